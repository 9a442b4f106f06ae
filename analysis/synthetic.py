"""Seeded generator of realistic, labelled victims' survey answers for tests and benchmarks.

No real labelled data about victims can ship with the project, so the learned coder is measured on
answers built here: themes from the three stages, phrased many ways, with shared vocabulary between
themes, negation, filler sentences, typos, texting shorthand, imbalanced themes and label noise. The
same seed always gives the same answers.
"""

from __future__ import annotations

import random
import re

import numpy as np

__all__ = ["THEMES", "make_survey_answers"]

_SLOTS = {
    "officer": [
        "the officer",
        "the police",
        "the PC who came out",
        "the detective",
        "the call handler",
        "they",
        "the copper",
        "the investigating officer",
    ],
    "time": [
        "three weeks",
        "months",
        "ages",
        "over a year",
        "two days",
        "six weeks",
        "nearly a month",
        "a long time",
    ],
    "worker": [
        "Victim Support",
        "my ISVA",
        "the IDVA",
        "my support worker",
        "the helpline",
        "the witness care unit",
        "my caseworker",
    ],
    "crime": [
        "the burglary",
        "the assault",
        "what happened",
        "the harassment",
        "the attack",
        "the abuse",
        "the break in",
        "the fraud",
    ],
    "person": ["my ex", "the neighbour", "the man who did it", "his family", "the offender"],
}

#: Theme id -> (stage, phrasings). ``{slot}`` draws from the slot lists above.
THEMES: dict[str, tuple[str, list[str]]] = {
    "believed": (
        "reporting",
        [
            "I didn't feel {officer} believed me",
            "{officer} took me seriously from the start",
            "it felt like {officer} thought I was making it up",
            "I was treated like a liar when I reported {crime}",
            "nobody believed me about {crime}",
            "{officer} listened and believed what I said",
            "they questioned whether it really happened",
        ],
    ),
    "response_speed": (
        "reporting",
        [
            "{officer} took {time} to turn up",
            "it took {time} before anyone came out",
            "the response was really quick, they were here in ten minutes",
            "I waited all night for someone to attend",
            "nobody came out for {time} after I rang 999",
            "they arrived fast which I was grateful for",
        ],
    ),
    "officer_attitude": (
        "reporting",
        [
            "{officer} was rude and dismissive",
            "{officer} was kind and patient with me",
            "the attitude of {officer} was cold and unfriendly",
            "{officer} showed real empathy",
            "{officer} was on their phone the whole time and seemed bored",
            "I was spoken to like I was a nuisance",
        ],
    ),
    "fear_of_reprisal": (
        "reporting",
        [
            "I was scared {person} would come after me if I reported",
            "I worried about what {person} would do if they found out",
            "I was frightened of revenge from {person}",
            "I nearly didn't report because of threats from {person}",
            "{person} said they would hurt me if I went to the police",
        ],
    ),
    "how_to_report": (
        "reporting",
        [
            "I didn't know where or how to report it",
            "I had no idea who to contact about {crime}",
            "the online form was confusing and I gave up",
            "I didn't know if it was something you could report",
            "it was hard to find the right number to call",
        ],
    ),
    "kept_informed": (
        "engagement",
        [
            "nobody kept me updated about the case",
            "I was never told what was happening with {crime}",
            "{officer} rang me every week with an update",
            "I had to chase for updates myself",
            "I found out {person} had been released from facebook not the police",
            "I was kept informed at every stage",
            "no one told me the case had been dropped",
        ],
    ),
    "referral_support": (
        "engagement",
        [
            "{officer} referred me to {worker}",
            "nobody told me about {worker}",
            "I was given a leaflet for {worker} but no one followed it up",
            "I wasn't offered any support after reporting",
            "it was {officer} who put me in touch with {worker}",
        ],
    ),
    "waiting_times": (
        "engagement",
        [
            "I waited {time} for counselling to start",
            "the waiting list for {worker} was {time}",
            "there was a long wait before anyone from {worker} got in touch",
            "it took {time} to get an appointment",
            "the court date kept getting pushed back for {time}",
        ],
    ),
    "single_point_of_contact": (
        "engagement",
        [
            "I had to repeat my story to a different officer every time",
            "having one named person to contact made a huge difference",
            "the officer in charge kept changing",
            "I never knew who was dealing with my case",
            "{worker} was my one point of contact throughout",
        ],
    ),
    "court_process": (
        "engagement",
        [
            "going to court was terrifying",
            "I wasn't prepared for giving evidence",
            "the trial was adjourned three times",
            "being cross examined felt like I was the one on trial",
            "the witness care unit explained the court process well",
            "I had to sit in the same waiting area as {person} at court",
        ],
    ),
    "counselling": (
        "recovery",
        [
            "counselling really helped me cope",
            "the counsellor helped me deal with the panic attacks",
            "talking therapy through {worker} was a lifeline",
            "I still haven't had any counselling",
            "the sessions with the therapist helped with my anxiety",
            "I needed someone to talk to about how I was feeling",
        ],
    ),
    "safety_measures": (
        "recovery",
        [
            "they fitted new locks and a video doorbell",
            "getting a panic alarm made me feel safer at home",
            "the sanctuary scheme put a lock on my bedroom door",
            "I still don't feel safe in my own home",
            "they added a marker to my address so police would come fast",
            "cctv was installed outside my house",
        ],
    ),
    "practical_help": (
        "recovery",
        [
            "I needed help with rehousing",
            "I lost my job and nobody helped with money",
            "{worker} helped me fill in the forms for compensation",
            "I got help with bills and food vouchers",
            "the council moved me to a new flat",
        ],
    ),
    "support_ended": (
        "recovery",
        [
            "the support stopped just when I needed it most",
            "after the court case everyone just disappeared",
            "{worker} closed my case too soon",
            "I was only allowed six sessions and it wasn't enough",
            "once the case finished I was on my own again",
        ],
    ),
    "outcome_justice": (
        "recovery",
        [
            "{person} got a suspended sentence which felt like nothing",
            "seeing {person} convicted helped me move on",
            "the case was dropped for lack of evidence",
            "there was no justice for what happened",
            "the sentence was far too short",
        ],
    ),
    "regaining_confidence": (
        "recovery",
        [
            "I'm slowly getting my confidence back",
            "I can go out on my own again now",
            "I still can't leave the house without someone",
            "I feel like myself again after a long time",
            "I started back at work and it helped me feel normal",
        ],
    ),
}

# Sentences that carry no theme but share the themes' vocabulary (police, support, court ...).
_FILLERS = [
    "It was after {crime}.",
    "This was last year.",
    "I reported it to the police.",
    "Overall it was ok I suppose.",
    "I don't really know what else to say.",
    "My family were supportive.",
    "Thank you for asking.",
    "I have been through a lot.",
    "It has been hard.",
    "The police and {worker} were involved.",
    "It happened at home.",
    "I'd rather not go into detail.",
    "Some things were good and some were not.",
]
_SHORTHAND = {
    "you": "u",
    "because": "cos",
    "people": "ppl",
    "before": "b4",
    "really": "rly",
    "to": "2",
    "for": "4",
    "please": "plz",
    "and": "&",
}
# People say the same thing many ways: words swapped for a synonym at random.
_SYNONYMS = {
    "scared": ["afraid", "terrified", "frightened", "petrified"],
    "frightened": ["scared", "afraid", "worried"],
    "worried": ["anxious", "concerned", "scared"],
    "told": ["informed", "updated", "let know"],
    "rude": ["horrible", "abrupt", "disrespectful", "short with me"],
    "kind": ["lovely", "caring", "understanding", "nice"],
    "really": ["so", "very", "genuinely", "honestly"],
    "helped": ["supported", "made a difference", "aided"],
    "quick": ["fast", "prompt", "speedy"],
    "waited": ["had to wait", "was waiting", "hung on"],
    "safe": ["secure", "protected", "ok"],
    "home": ["house", "flat", "place"],
    "counselling": ["therapy", "counseling", "talking therapy"],
    "believed": ["trusted", "listened to", "credited"],
    "case": ["investigation", "crime", "report"],
    "court": ["trial", "the courts", "crown court"],
    "support": ["help", "support"],
    "nobody": ["no one", "noone", "nobody at all"],
    "never": ["not once", "never ever", "never"],
    "update": ["call back", "news", "progress report"],
    "updates": ["news", "information", "progress"],
    "job": ["work", "employment"],
    "money": ["finances", "cash", "bills"],
    "threats": ["intimidation", "warnings", "messages"],
    "dropped": ["closed", "NFA'd", "discontinued"],
    "confidence": ["self esteem", "confidence", "nerve"],
    "panic": ["anxiety", "panic"],
    "sessions": ["appointments", "meetings"],
}
_HEDGES = [
    "to be honest",
    "I think",
    "basically",
    "tbh",
    "if I'm honest",
    "I suppose",
    "at the time",
    "sadly",
]
_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, rng: random.Random) -> str:
    """Fill every ``{slot}`` of ``template`` with a random choice."""
    return _SLOT.sub(lambda m: rng.choice(_SLOTS[m.group(1)]), template)


def _typo(word: str, rng: random.Random) -> str:
    """Make one realistic typing error: drop, double, swap or replace a letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice("aeiounrst") + word[i + 1 :]


def _roughen(text: str, rng: random.Random, typo_rate: float) -> str:
    """Add typos, texting shorthand and careless casing the way real answers have them."""
    words = []
    for word in text.split(" "):
        if rng.random() < typo_rate:
            word = _typo(word, rng)
        elif rng.random() < 0.03 and word.lower() in _SHORTHAND:
            word = _SHORTHAND[word.lower()]
        words.append(word)
    out = " ".join(words)
    style = rng.random()
    if style < 0.15:
        out = out.lower().replace(".", "")
    elif style < 0.2:
        out = out.upper()
    return out


def _paraphrase(text: str, rng: random.Random) -> str:
    """Swap some words for synonyms and sometimes add a hedge, so no two answers read the same."""
    words = [
        rng.choice(_SYNONYMS[w]) if w in _SYNONYMS and rng.random() < 0.5 else w
        for w in text.split(" ")
    ]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words) + 1), rng.choice(_HEDGES))
    return " ".join(words)


def _sentence(theme: str, rng: random.Random) -> str:
    """One sentence expressing ``theme``, capitalised and punctuated."""
    body = _paraphrase(_fill(rng.choice(THEMES[theme][1]), rng), rng)
    return body[0].upper() + body[1:] + rng.choice([".", ".", ".", "!", "", "..."])


def make_survey_answers(
    n=600,
    *,
    multilabel=False,
    themes=None,
    label_noise=0.05,
    typo_rate=0.06,
    imbalance=1.0,
    no_theme=0.0,
    seed=0,
    return_true_codes=False,
):
    """Build ``n`` labelled free-text answers about victims' experiences.

    Parameters
    ----------
    n : int, default=600
        Number of answers.
    multilabel : bool, default=False
        If False each answer speaks of one theme and ``y`` is a list of theme ids. If True an answer
        speaks of one to three themes and ``y`` is a 0/1 indicator matrix with columns ``themes``.
    themes : sequence of str, optional
        Theme ids to use (default: all of :data:`THEMES`, in order).
    label_noise : float, default=0.05
        Share of answers whose coding is wrong (a random other theme), as between human coders.
    typo_rate : float, default=0.06
        Chance that a word carries a typing error.
    imbalance : float, default=1.0
        Zipf exponent of theme frequencies (0 gives balanced themes).
    no_theme : float, default=0.0
        Multi-label only: share of answers that speak of none of the themes, coded with no theme
        (an empty row of ``y``): filler sentences ("Thank you for asking.") or, when ``themes``
        is a subset of :data:`THEMES`, sentences about themes outside it, as survey answers that
        are off the codebook read. Wrong codings can give some of them a theme.
    seed : int, default=0
        Seed: the same arguments always give the same data.
    return_true_codes : bool, default=False
        Also return the themes each answer really speaks of (before the wrong codings), in the
        same form as ``y``, so a coder can be scored against the truth as well as the codes.

    Returns
    -------
    texts : list of str
        The answers.
    y : list of str or ndarray of shape (n, n_themes)
        Theme per answer, or the indicator matrix when ``multilabel``.
    themes : list of str
        The theme ids (column order of ``y`` when ``multilabel``).
    true_codes : list of str or ndarray
        Only with ``return_true_codes``: the right codes, shaped like ``y``.
    """
    rng = random.Random(seed)
    names = list(themes) if themes is not None else list(THEMES)
    weights = [1.0 / (rank + 1) ** imbalance for rank in range(len(names))]
    texts: list[str] = []
    labels: list[list[str]] = []
    truth: list[list[str]] = []
    for _ in range(n):
        if multilabel and no_theme and rng.random() < no_theme:
            texts.append(_roughen(_off_codebook(names, rng), rng, typo_rate))
            coded = []
            if rng.random() < label_noise:
                coded = [rng.choice(names)]
            labels.append(coded)
            truth.append([])
            continue
        if multilabel:
            k = rng.choices([1, 2, 3], weights=[0.5, 0.35, 0.15])[0]
            chosen: list[str] = []
            while len(chosen) < k:
                theme = rng.choices(names, weights=weights)[0]
                if theme not in chosen:
                    chosen.append(theme)
        else:
            chosen = [rng.choices(names, weights=weights)[0]]
        parts = [_sentence(theme, rng) for theme in chosen]
        for _ in range(rng.choices([0, 1, 2], weights=[0.4, 0.4, 0.2])[0]):
            parts.insert(rng.randrange(len(parts) + 1), _fill(rng.choice(_FILLERS), rng))
        texts.append(_roughen(" ".join(parts), rng, typo_rate))
        coded = list(chosen)
        if rng.random() < label_noise:
            wrong = rng.choice([t for t in names if t not in coded] or names)
            if multilabel and rng.random() < 0.5:
                coded.append(wrong)
            else:
                coded[rng.randrange(len(coded))] = wrong
        labels.append(coded)
        truth.append(chosen)
    y, true_codes = _as_target(labels, names, multilabel), _as_target(truth, names, multilabel)
    return (texts, y, names, true_codes) if return_true_codes else (texts, y, names)


def _off_codebook(names: list[str], rng: random.Random) -> str:
    """An answer about none of ``names``: fillers, or sentences of themes outside ``names``."""
    others = [t for t in THEMES if t not in names]
    parts = [_fill(rng.choice(_FILLERS), rng) for _ in range(rng.choice([1, 1, 2]))]
    if others and rng.random() < 0.6:
        parts.insert(rng.randrange(len(parts) + 1), _sentence(rng.choice(others), rng))
    return " ".join(parts)


def _as_target(labels: list[list[str]], names: list[str], multilabel: bool):
    """Codes per answer as scikit-learn wants them: one theme each, or an indicator matrix."""
    if not multilabel:
        return [coded[0] for coded in labels]
    matrix = np.zeros((len(labels), len(names)), dtype=int)
    index = {name: j for j, name in enumerate(names)}
    for i, coded in enumerate(labels):
        for theme in coded:
            matrix[i, index[theme]] = 1
    return matrix
