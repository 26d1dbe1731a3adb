#!/usr/bin/python3
"""Tests of harness.py: a digest must change when any value of an output changes by one bit, and
must not change with the provenance it leaves out. Real outputs of the program (the device and
fit_programming cases) are copied and perturbed. The program: $KIRCHHOFF_PROGRAM (ctest sets
it), else build/release/apps/kirchhoff.

  /usr/bin/python3 tests/regression/harness_test.py [-v]
"""

import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from pathlib import Path

import h5py
import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import harness  # noqa: E402

HERE = Path(__file__).resolve().parent


def changed_lines(diff):
    """The '+' and '-' lines of a unified diff, without its two file headers."""
    return [l for l in diff if l[:1] in "+-" and not l.startswith(("+++", "---"))]


def next_up(x):
    return np.nextafter(x, np.inf)


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The flag is for the cases; here it would turn every check into a rewrite.
        os.environ.pop("KIRCHHOFF_REGENERATE_DIGESTS", None)
        cls.program = Path(os.environ.get(
            "KIRCHHOFF_PROGRAM", harness.SOURCE_ROOT / "build/release/apps/kirchhoff")).resolve()
        cls.tmp = Path(tempfile.mkdtemp(prefix="kirchhoff-harness-test-"))
        for case in ("device", "fit_programming"):
            harness.run_commands(harness.load_case(HERE / case), HERE / case, cls.program,
                                 cls.tmp / case, None)
        cls.results = cls.tmp / "device" / "results.h5"
        cls.results_digest = harness.digest_file(cls.results)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def copy(self, source, name=None):
        target = self.tmp / "copies" / (name or f"{self.id().rsplit('.', 1)[-1]}{source.suffix}")
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def perturbed_results(self, change):
        """Digest lines of a copy of the results file after change(h5py.File)."""
        path = self.copy(self.results)
        with h5py.File(path, "r+") as f:
            change(f)
        lines = harness.digest_file(path)
        # The digest carries the file name; compare the copy's as if it were the original's.
        lines[0] = self.results_digest[0]
        return lines

    def diff(self, lines):
        return harness.compare("\n".join(self.results_digest), "\n".join(lines))

    def test_the_digest_of_an_unchanged_copy_is_equal(self):
        self.assertEqual(self.diff(self.perturbed_results(lambda f: None)), [])

    def test_one_bit_of_one_trial_is_a_mismatch_located_to_its_block(self):
        index = (1, 13, 2, 4)
        def change(f):
            t = f["trials"]
            t[index] = next_up(t[index])
        changed = changed_lines(self.diff(self.perturbed_results(change)))
        shape = h5py.File(self.results, "r")["trials"].shape
        flat = int(np.ravel_multi_index(index, shape))
        start = flat // harness.BLOCK * harness.BLOCK
        block = f"/trials[{start}:{min(start + harness.BLOCK, int(np.prod(shape)))}]"
        # The whole-dataset hash and the hash of the block holding the element, before and after.
        self.assertEqual(len(changed), 4, changed)
        self.assertEqual(sorted({l[1:].split(" ", 1)[0] for l in changed}), ["/trials", block])

    def test_a_small_dataset_shows_the_value_that_changed(self):
        def change(f):
            m = f["summary/mean"]
            m[0, 1, 1] = next_up(m[0, 1, 1])
        original = h5py.File(self.results, "r")["summary/mean"][0, 1, 1]
        text = "\n".join(self.diff(self.perturbed_results(change)))
        self.assertIn(repr(float(original)), text)
        self.assertIn(repr(float(next_up(original))), text)

    def test_an_attribute_value_or_type_change_is_a_mismatch(self):
        def value(f):
            p = f["summary/quantiles"].attrs["probabilities"]
            p[1] = next_up(p[1])
            f["summary/quantiles"].attrs["probabilities"] = p
        def dtype(f):
            f.attrs.create("seed", f.attrs["seed"], dtype=np.int64)
        self.assertIn("/summary/quantiles@probabilities",
                      "\n".join(changed_lines(self.diff(self.perturbed_results(value)))))
        self.assertIn("/@seed attr <i8", "\n".join(self.diff(self.perturbed_results(dtype))))

    def test_a_string_change_is_a_mismatch(self):
        def change(f):
            f["config"][()] = f["config"][()].replace(b"cells = 64", b"cells = 65")
        text = "\n".join(changed_lines(self.diff(self.perturbed_results(change))))
        self.assertIn("/config | cells = 65", text)

    def test_excluded_provenance_does_not_change_the_digest_but_its_removal_does(self):
        def rewrite(f):
            for name in harness.PROVENANCE_EXCLUDED:
                value = f.attrs[name]
                f.attrs[name] = "other" if isinstance(value, str) else value + 1
        self.assertEqual(self.diff(self.perturbed_results(rewrite)), [])
        self.assertNotEqual(self.diff(self.perturbed_results(lambda f: f.attrs.__delitem__("host"))),
                            [])
        self.assertNotEqual(self.diff(self.perturbed_results(
            lambda f: f.attrs.__setitem__("seed", np.uint64(12)))), [])

    def test_exclusions_apply_only_to_the_root_of_campaign_files(self):
        path = self.tmp / "copies" / "not_a_campaign.h5"
        path.parent.mkdir(exist_ok=True)
        with h5py.File(path, "w") as f:
            f.attrs["host"] = "a"
            f.create_group("g").attrs["created_utc"] = "b"
        text = "\n".join(harness.digest_file(path))
        self.assertIn("/@host = 'a'", text)
        self.assertIn("/g@created_utc = 'b'", text)

    def test_sign_of_zero_nan_payload_and_byte_order_count(self):
        path = self.tmp / "copies" / "bits.h5"
        path.parent.mkdir(exist_ok=True)
        def digest(values, dtype="<f8"):
            with h5py.File(path, "w") as f:
                f.create_dataset("x", data=np.asarray(values, dtype=dtype))
            return harness.digest_file(path)
        self.assertNotEqual(digest([0.0]), digest([-0.0]))
        quiet, payload = (np.array([v], dtype="<u8").view("<f8")[0]
                          for v in (0x7FF8000000000000, 0x7FF8000000000001))
        self.assertNotEqual(digest([quiet] * 100), digest([quiet] * 99 + [payload]))
        # The stored byte order is part of the type; the hash is of the values (little-endian).
        little, big = digest([1.5, 2.5], "<f8"), digest([1.5, 2.5], ">f8")
        self.assertNotEqual(little, big)
        self.assertEqual(little[2].replace("<f8", ">f8"), big[2])

    def test_json_numbers_count_exactly(self):
        report = self.tmp / "fit_programming" / "programming.json"
        original = harness.digest_file(report)
        data = json.loads(report.read_text())
        data["data"][0]["y"][100] = float(next_up(data["data"][0]["y"][100]))
        changed = self.copy(report)
        changed.write_text(json.dumps(data))
        diff = changed_lines(harness.compare("\n".join(original[1:]),
                                             "\n".join(harness.digest_file(changed)[1:])))
        keys = {l[1:].split(" ", 1)[0] for l in diff}
        self.assertEqual(keys, {"text", "$.data[0].y", "$.data[0].y[64:128]"}, diff)
        # Only the layout of the text: its hash alone changes.
        changed.write_text(json.dumps(json.loads(report.read_text()), indent=3))
        diff = changed_lines(harness.compare("\n".join(original[1:]),
                                             "\n".join(harness.digest_file(changed)[1:])))
        self.assertEqual({l[1:].split(" ", 1)[0] for l in diff}, {"text"}, diff)

    def test_toml_values_and_comments_count(self):
        device = self.tmp / "fit_programming" / "device.toml"
        text = device.read_text()
        original = harness.digest_file(device)[1:]
        def keys(new_text):
            changed = self.copy(device)
            changed.write_text(new_text)
            diff = changed_lines(harness.compare("\n".join(original),
                                                 "\n".join(harness.digest_file(changed)[1:])))
            return {l[1:].split(" ", 1)[0] for l in diff}
        value = text.split("programming_sigma_polynomial = [", 1)[1].split(",", 1)[0]
        bumped = value[:-1] + str((int(value[-1]) + 1) % 10)
        self.assertEqual(keys(text.replace(value, bumped, 1)),
                         {"text", "$.parameters.programming_sigma_polynomial"})
        self.assertEqual(keys(text.replace("log-likelihood", "log likelihood", 1)),
                         {"text", "comment"})

    def test_a_case_fails_on_a_wrong_expected_digest_and_passes_on_the_right_one(self):
        case = self.tmp / "cases" / "device"
        shutil.copytree(HERE / "device", case)
        expected = (HERE / "device" / harness.EXPECTED_NAME).read_text()
        args = [str(case), "--kirchhoff", str(self.program), "--scratch", str(self.tmp / "runs")]
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(harness.main(args), 0)
        line = next(l for l in expected.splitlines() if l.startswith("/summary/std["))
        values = line.split(" = [", 1)[1].rstrip("]").split(", ")
        values[0] = repr(float(next_up(float(values[0]))))
        wrong = f"{line.split(' = [', 1)[0]} = [{', '.join(values)}]"
        (case / harness.EXPECTED_NAME).write_text(expected.replace(line, wrong))
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            self.assertEqual(harness.main(args), 1)
        self.assertIn(f"-{wrong}", err.getvalue())
        self.assertIn(f"+{line}", err.getvalue())

    def test_a_failing_command_or_a_missing_digest_is_an_error(self):
        case = self.tmp / "cases" / "broken"
        case.mkdir(parents=True)
        (case / "case.toml").write_text(
            'commands = [["run", "{case}/absent.toml"]]\noutputs = ["results.h5"]\n')
        args = [str(case), "--kirchhoff", str(self.program), "--scratch", str(self.tmp / "runs")]
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(harness.main(args), 2)
        self.assertIn("is missing", err.getvalue())
        (case / harness.EXPECTED_NAME).write_text("")
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(harness.main(args), 2)
        self.assertIn("exit status 2", err.getvalue())

    def test_same_files_must_digest_alike_apart_from_the_listed_keys(self):
        scratch = self.tmp / "same"
        scratch.mkdir()
        for name, shards, value in (("a.h5", 1, 1.0), ("b.h5", 3, 1.0), ("c.h5", 3, 2.0)):
            with h5py.File(scratch / name, "w") as f:
                f.attrs["shards"] = np.uint32(shards)
                f["x"] = np.array([value])
        spec = {"same": [{"files": ["a.h5", "b.h5"], "except": ["/@shards"]}]}
        harness.check_same(spec, scratch)
        spec["same"][0]["files"].append("c.h5")
        with self.assertRaisesRegex(harness.CaseError, "c.h5 does not digest like a.h5"):
            harness.check_same(spec, scratch)


if __name__ == "__main__":
    unittest.main()
