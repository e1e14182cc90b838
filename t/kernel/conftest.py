import os
import shutil
import tempfile

import pytest

import harness


@pytest.fixture(scope="session")
def guest():
    """One build and one guest boot for the whole suite. A failed step is kept and every
    test that needs the guest fails with it (never skips)."""
    keep = os.environ.get("RTPE_KERNEL_WORK")
    work = keep or tempfile.mkdtemp(prefix="rtpe-kernel-")
    try:
        yield harness.run_all(work)
    except harness.HarnessError as e:
        yield {"error": str(e), "work": work}
    finally:
        if not keep:
            # the staging tree and the image are large: keep only the last console log
            log = os.path.join(work, "console.log")
            if os.path.exists(log):
                os.makedirs(harness.CACHE, exist_ok=True)
                shutil.copy(log, os.path.join(harness.CACHE, "last-console.log"))
            shutil.rmtree(work, ignore_errors=True)
