"""Run every analysis test with NLTK's data path set to an empty folder: proof none is needed."""

import os

import nltk
import pytest


@pytest.fixture(autouse=True, scope="session")
def _no_nltk_data(tmp_path_factory):
    """Point NLTK (module list and NLTK_DATA) at an empty folder for the whole session."""
    empty = tmp_path_factory.mktemp("nltk_data_empty")
    saved_path = list(nltk.data.path)
    saved_env = os.environ.get("NLTK_DATA")
    nltk.data.path[:] = [str(empty)]
    os.environ["NLTK_DATA"] = str(empty)
    yield empty
    nltk.data.path[:] = saved_path
    if saved_env is None:
        os.environ.pop("NLTK_DATA", None)
    else:
        os.environ["NLTK_DATA"] = saved_env
