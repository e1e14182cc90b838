import pytest

from rtpe_testlib import start_with_oracle, stop_with_oracle


@pytest.fixture(scope="module")
def daemons():
    """Our daemon and Debian's (the oracle), started alike with no extra options, for a
    test module to send the same requests to; a module that needs options defines its own."""
    pair = start_with_oracle([])
    yield pair
    stop_with_oracle(pair)
