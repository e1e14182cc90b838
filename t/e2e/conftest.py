import time

import pytest

from kamailio_runner import Kamailio


@pytest.fixture(scope="module", autouse=True)
def whole_file_budget(request):
    """Every wait is bounded on its own; this holds each e2e file as a whole to the
    FILE_BUDGET (seconds) it declares."""
    budget = getattr(request.module, "FILE_BUDGET", 90.0)
    started = time.monotonic()
    yield
    elapsed = time.monotonic() - started
    assert elapsed < budget, "%s took %.1f s (budget %.0f s)" % (request.module.__name__, elapsed, budget)


@pytest.fixture
def cleanup_stack():
    """Things to stop at teardown (daemons, Kamailios, sipps), ended in reverse start order."""
    items = []
    yield items
    errors = []
    for item in reversed(items):
        try:
            if isinstance(item, Kamailio):
                item.cleanup()
            else:
                item.stop()
        except Exception as e:  # keep cleaning up the rest
            errors.append(e)
    if errors:
        raise errors[0]
