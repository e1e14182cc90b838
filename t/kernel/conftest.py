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
            # the staging tree and the image are large; console.log stays for a look afterwards
            for name in ("src", "initramfs", "initramfs.cpio", "ktest"):
                path = os.path.join(work, name)
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.unlink(path)
