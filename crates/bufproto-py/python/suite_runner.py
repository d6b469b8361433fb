"""The `main` the bridge's test scripts share: runs the named TestCase
classes of a script (all of its default ones when none is named), prints
OK or FAILED last, as the Rust tests and valgrind/run.sh read it."""

import gc
import sys
import unittest


def run(namespace, default_names, argv):
    names = argv[1:] or default_names
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for n in names:
        suite.addTests(loader.loadTestsFromTestCase(namespace[n]))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    gc.collect()
    print("OK" if result.wasSuccessful() else "FAILED")
    return 0 if result.wasSuccessful() else 1
