"""Every GET route of the research blueprint, found from the URL map, so that tests walking the
research pages (stored XSS, blind coding) cover a page added later without being edited."""

from werkzeug.routing.converters import AnyConverter


def research_get_urls(app, values: dict[str, str], default: str | None = None) -> list[str]:
    """Each GET route of the research blueprint, once per choice of each any(...) part, with its
    other variable parts from ``values``. Without a ``default``, a variable with no value fails
    the test: a new kind of page must be walked with a real value, not a 404."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("research.") or "GET" not in rule.methods:
                continue
            variants = [{}]
            for name, converter in rule._converters.items():
                if isinstance(converter, AnyConverter):
                    variants = [{**v, name: o} for v in variants for o in sorted(converter.items)]
            for variant in variants:
                missing = set(rule.arguments) - set(variant) - set(values)
                assert default is not None or not missing, f"{rule.rule}: no value for {missing}"
                filled = {
                    name: variant.get(name, values.get(name, default)) for name in rule.arguments
                }
                urls.append(rule.build(filled)[1])
    return urls
