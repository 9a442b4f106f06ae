"""Page code shared by every audience (respondents, staff, research): the layout's template
values and the presenters that turn typed questions into GOV.UK macro parameters. No routes."""
