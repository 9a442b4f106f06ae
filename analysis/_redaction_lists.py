"""Word lists used by analysis.redaction: kept apart so the rules module stays readable."""


def words(text: str) -> list[str]:
    """Split a block of whitespace-separated words (keeps long lists readable)."""
    return text.split()


# Common first names in England and Wales (ONS baby-name and census lists, adults and children).
# Names that are also ordinary English words are in AMBIGUOUS_NAMES and only count mid-sentence.
COMMON_FIRST_NAMES = frozenset(
    words(
        """
    Aaron Abdul Abigail Adam Adrian Ahmed Aidan Aisha Alan Alex Alexander Alfie Ali Alice Alison
    Amanda Amelia Amir Amy Andrea Andrew Andy Angela Anna Anne Annie Anthony Archie Arthur Ashley
    Barbara Barry Becky Ben Benjamin Beth Bethany Bev Beverley Billy Bob Brenda Brian Callum
    Carl Carol Caroline Catherine Charlie Charlotte Chloe Chris Christine Christopher Claire Colin
    Connor Craig Daisy Dan Daniel Danny Darren Dave David Dawn Dean Debbie Deborah Dennis Derek
    Diane Dominic Donna Doreen Dylan Ed Eddie Edward Eileen Elaine Eleanor Elizabeth Ella Ellie
    Emily Emma Eric Erin Ethan Evie Fatima Fiona Freddie Freya Gail Gareth Gary Gemma Geoff
    George Georgia Gerry Gill Gillian Glen Gordon Graham Hannah Harry Harvey Hassan Hayley Heather
    Helen Henry Holly Ian Imran Isaac Isabella Isla Jack Jackie Jacob Jade Jake James Jamie Jane
    Janet Jason Jayden Jeff Jen Jennifer Jenny Jess Jessica Jim Jimmy Jo Joan Joanne Joe Joel
    John Johnny Jon Jonathan Jordan Joseph Josh Joshua Julie Justin Karen Kate Katie Kayleigh
    Keith Kelly Kerry Kev Kevin Kieran Kim Kirsty Kyle Laura Lauren Leah Lee Leo Leon Lesley
    Lewis Liam Lily Linda Lisa Logan Louise Lucy Luke Lynn Lynne Mandy Margaret Maria Marie
    Martin Matt Matthew Maureen Megan Michael Michelle Mick Mike Mohammed Mohammad Muhammad
    Natalie Nathan Neil Nicola Nicole Nigel Noah Oliver Olivia Oscar Owen Pam Patricia Paul Paula
    Pauline Pete Peter Phil Philip Priya Rachel Rebecca Richard Rob Robert Robbie Ryan Sadie
    Sally Sam Samantha Samuel Sandra Sarah Scott Sean Shane Sharon Shaun Sheila Simon Sophie
    Stacey Steph Stephanie Stephen Steve Steven Stuart Susan Suzanne Tariq Terry Theo Thomas Tim
    Toby Tom Tommy Tony Tracey Tracy Trevor Vicky Victoria Wayne Wendy William Yasmin Zara Zoe
    """
    )
)

# First names that are also ordinary words ("Will", "Hope"): a match needs a cue or a
# position that is not the start of a sentence.
AMBIGUOUS_NAMES = frozenset(
    words(
        """
    Amber April Bill Bob Carol Chase Crystal Dawn Faith Frank Grace Guy Holly Hope Iris Ivy Jack
    Jade Joy June Mark Max May Miles Pat Penny Rob Robin Rose Ruby Sky Summer Sue Will Willow
    """
    )
)

# Capitalised words that are never a person's name here: organisations, services, roles, places,
# days, months and words that often start a sentence. Compared in lower case.
NEVER_NAMES = frozenset(
    w.lower()
    for w in words(
        """
    I I'm I've I'd I'll Im Ive Id The A An And But Or So Then When While After Before Because If
    It It's Its They Them Their There This That These Those We You Your He She His Her Him My Our
    Me Us Who What Why How Where Yes No Not Nothing Everyone Someone Nobody Anyone Please Thanks
    Thank Sorry Also Even Still Just Only Very Really Well Maybe Overall Eventually Finally
    Police Policeman Policewoman Officer Officers Constable Sergeant Inspector Detective Detectives
    Victim Victims Support Service Services Team Unit Witness Care Crown Court Courts Magistrates
    Prosecution CPS IDVA ISVA IDVAs ISVAs MARAC MAPPA NHS GP GPs A&E Hospital Council Housing
    Citizens Advice Samaritans Refuge Women's Aid Rape Crisis Mind Shelter Barnardo's NSPCC
    Childline Nightline Age UK Action Fraud Crimestoppers Restorative Justice Probation Social
    Services Safeguarding Helpline Sanctuary Scheme Commissioner PCC Office Government Home Office
    Ministry Justice Domestic Abuse Sexual Violence Hate Crime Anti-Social Behaviour ASB Facebook
    WhatsApp Instagram Snapchat TikTok Twitter Google YouTube Messenger Ring Tesco Asda Aldi Lidl
    Liverpool Merseyside Manchester London Birmingham Leeds Sheffield Bristol Newcastle Wirral
    Sefton Knowsley Halton St Helens Warrington Chester Preston Bolton Wigan Salford Stockport
    Oldham Rochdale Bury Leicester Nottingham Cardiff Glasgow Edinburgh Belfast England Scotland
    Wales Ireland Britain UK English British Anfield Everton Bootle Kirkby Birkenhead Southport
    Crosby Huyton Speke Garston Toxteth Walton Aintree Formby Widnes Runcorn Yorkshire Lancashire
    Cheshire Northern Ireland
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Christmas Easter Ramadan Eid Diwali New Year
    Mum Dad Mummy Daddy Nan Nana Grandad Gran Uncle Auntie Aunt Sir Madam God Jesus Lord
    Muslim Christian Jewish Sikh Hindu Black Asian White Polish Romanian Irish Scottish Welsh
    Covid Lockdown Zoom Teams Skype
    """
    )
)

# Words after which a capitalised word is taken to be a person's name ("my neighbour Dave").
RELATION_CUES = (
    "neighbour",
    "neighbor",
    "next door neighbour",
    "partner",
    "ex-partner",
    "ex partner",
    "ex-husband",
    "ex-wife",
    "ex-boyfriend",
    "ex-girlfriend",
    "ex",
    "husband",
    "wife",
    "boyfriend",
    "girlfriend",
    "fiance",
    "fiancé",
    "son",
    "daughter",
    "stepson",
    "stepdaughter",
    "brother",
    "sister",
    "mum",
    "mother",
    "dad",
    "father",
    "stepdad",
    "stepmum",
    "friend",
    "best friend",
    "mate",
    "cousin",
    "uncle",
    "aunt",
    "auntie",
    "nan",
    "grandad",
    "grandson",
    "granddaughter",
    "landlord",
    "landlady",
    "boss",
    "manager",
    "colleague",
    "carer",
    "support worker",
    "case worker",
    "caseworker",
    "key worker",
    "social worker",
    "worker",
    "advocate",
    "counsellor",
    "therapist",
    "officer",
    "police officer",
    "detective",
    "idva",
    "isva",
    "solicitor",
    "barrister",
    "attacker",
    "abuser",
    "stalker",
    "child",
    "kid",
    "baby",
)

# Titles and police ranks written before a surname ("PC Smith", "Mrs Jones"). The title is kept,
# the name after it is redacted.
TITLES = (
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "PC",
    "WPC",
    "PCSO",
    "DC",
    "DS",
    "DI",
    "DCI",
    "Sgt",
    "Sergeant",
    "Inspector",
    "Detective",
    "Constable",
    "Officer",
    "Judge",
    "Councillor",
    "Cllr",
    "Father",
    "Reverend",
    "Rev",
)

STREET_SUFFIXES = (
    "Road",
    "Rd",
    "Street",
    "St",
    "Avenue",
    "Ave",
    "Lane",
    "Ln",
    "Close",
    "Drive",
    "Dr",
    "Way",
    "Court",
    "Crescent",
    "Place",
    "Grove",
    "Terrace",
    "Gardens",
    "Walk",
    "Row",
    "Square",
    "Mews",
    "Hill",
    "View",
    "Rise",
    "Parade",
    "Park",
    "Green",
    "Vale",
    "Boulevard",
)

# Street suffixes that make a street name identifying even without a house number. "Court",
# "Park", "Hill", "Green" and "Way" are left out: "Crown Court", "Hyde Park" are not addresses.
NAMED_STREET_SUFFIXES = (
    "Road",
    "Street",
    "Avenue",
    "Lane",
    "Close",
    "Crescent",
    "Grove",
    "Terrace",
    "Gardens",
    "Mews",
    "Drive",
)

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
)

# Familiar forms of first names, each line a formal name then the forms people call its bearer
# by ("Sharon: everyone calls me Shaz"). Forms that are ordinary words or idioms (Rob, Bill,
# Will, Pat, Sue, Ray, Don, Frank, Kit, Nick as in "the nick", Mick as in "taking the mick",
# Bobby as in a police officer, Rich, Pip, Tally, Wills) are left out: a speaker's name is
# replaced everywhere and cannot be undone. British "-z" forms (Shaz, Gazza) come from a rule
# in analysis.transcripts.
FAMILIAR_FORMS = tuple(
    tuple(words(line))
    for line in """
    Abigail Abi Abby Abbie
    Alexander Alex Alec Xander
    Alexandra Alex Lexi Sasha
    Alfred Alfie Alf
    Alison Ali Allie
    Amanda Mandy Manda
    Andrew Andy
    Anthony Tony
    Barbara Babs
    Benjamin Ben Benny Benji
    Beverley Bev
    Catherine Cath Cathy Kath Kathy Kate Katie
    Katherine Kath Kathy Kate Katie
    Kathleen Kath Kathy Kate Katie
    Charles Charlie Chaz Chas
    Charlotte Lottie Lotty Charlie
    Christine Chris Chrissie Chrissy Tina
    Christopher Chris Topher
    Daniel Dan Danny
    Danielle Dani
    David Dave Davy Davey
    Deborah Debbie Debs Debra
    Edward Eddie Ted
    Eleanor Ellie Nora
    Elizabeth Liz Lizzie Lizzy Beth Betty Libby Eliza Bess
    Emily Emmy Milly
    Frances Fran Frankie
    Francis Frankie
    Frederick Freddie Freddy Fred
    Geoffrey Geoff Jeff
    Gerald Gerry Ged
    Gerard Gerry Ged
    Gillian Gill Jill Gilly
    Isabella Bella Izzy Issy Izzie
    Isabel Bella Izzy Issy Izzie
    Jacqueline Jackie Jacqui
    James Jim Jimmy Jamie Jimbo
    Jennifer Jen Jenny Jenni
    Jessica Jess Jessie
    John Johnny Jonny
    Jonathan Jon Jonny Jonty
    Joseph Joe Joey
    Josephine Jo Josie
    Joshua Josh
    Kenneth Kenny
    Kevin Kev
    Kimberley Kim
    Lawrence Laurie Larry
    Leonard Len Lenny
    Lesley Les
    Leslie Les
    Louise Lou Lulu
    Margaret Maggie Meg Peggy Mags Madge
    Matthew Matt Matty
    Michael Mike Micky Mickey Mikey
    Michelle Chelle Shelley
    Natalie Nat
    Nathan Nate Nat
    Nicholas Nicky
    Nicola Nicky Nikki Nic
    Oliver Ollie Olly
    Olivia Liv Livvy
    Patricia Patsy Trish Tricia Trisha
    Peter Pete
    Philip Phil
    Rachel Rach
    Rebecca Becky Becca Bex
    Richard Richie Ricky
    Robert Robbie Robby Bert
    Ronald Ron Ronnie
    Samantha Sam Sammy Sammie
    Samuel Sam Sammy
    Stephanie Steph Stef
    Stephen Steve Stevie
    Steven Steve Stevie
    Susan Susie Suzy Suze
    Terence Terry Tel
    Thomas Tom Tommy
    Timothy Tim Timmy
    Victoria Vicky Vikki Tori Vic
    William Billy Liam
    """.strip().splitlines()
)
