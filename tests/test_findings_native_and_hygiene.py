"""Findings that catch the layers people really break (issue 13, parts 1-3 and plurals).

Each test names the attack (a layer built the way people break them) and the promise (the
finding an expert would give, and none on the correct layout). Binaries are real headers cut
from published wheels and npm packages (tests/fixtures/native/README.md says which).
"""

from __future__ import annotations

import io
import stat
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from layer_tui.aws.binformat import identify
from layer_tui.aws.checks import run_checks
from layer_tui.aws.inspection import inspect_layer_version
from layer_tui.aws.member_heads import RangeHeads
from layer_tui.aws.zipformat import ZipEntry

FIXTURES = Path(__file__).parent / "fixtures" / "native"


def real(name: str, pad: int = 4000) -> bytes:
    """A real header followed by filler, so the member is as long as a small binary."""
    return (FIXTURES / name).read_bytes() + bytes(pad)


def layer(files: dict[str, bytes | tuple[bytes, int]]) -> bytes:
    """A zip made on Unix: each member ``data`` (0644) or ``(data, mode)``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, spec in files.items():
            data, mode = spec if isinstance(spec, tuple) else (spec, 0o100644)
            info = zipfile.ZipInfo(path, (2026, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (mode if mode > 0o7777 else stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def local_findings(data: bytes, runtimes: list[str], archs: list[str]) -> list[Any]:
    """run_checks over a local zip, member heads read through zipfile."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [
            ZipEntry(i.filename, i.file_size, i.compress_size, i.CRC, i.compress_type,
                     datetime(*i.date_time), i.is_dir(), i.header_offset, i.flag_bits,
                     i.external_attr, i.external_attr >> 16)
            for i in archive.infolist()
        ]

        def read_head(entry: ZipEntry, count: int) -> bytes:
            with archive.open(entry.path) as member:
                return member.read(count)

        return list(run_checks(entries, runtimes=runtimes, architectures=archs,
                               read_head=read_head))


def codes(findings: list[Any], *levels: str) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in findings if not levels or f.level in levels]


def serious(findings: list[Any]) -> list[str]:
    return [f.message for f in findings if f.level in ("error", "warning")]


# -- formats from real headers ---------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "label"), [
    ("elf-x86_64-markupsafe.so", "ELF x86_64"),
    ("elf-aarch64-markupsafe.so", "ELF arm64"),
    ("elf-ppc64le-markupsafe.so", "ELF ppc64le"),
    ("macho-arm64-markupsafe.so", "Mach-O arm64"),
    ("macho-universal2-markupsafe.so", "Mach-O universal x86_64+arm64"),
    ("macho-arm64-rollup.node", "Mach-O arm64"),
    ("pe-x86_64-markupsafe.pyd", "PE x86_64"),
    ("pe-i386-markupsafe.pyd", "PE i386"),
    ("pe-x86_64-rollup.node", "PE x86_64"),
    ("elf-aarch64-esbuild", "ELF arm64"),
])
def test_real_headers_are_named_by_format_and_machine(fixture: str, label: str) -> None:
    """Attack: Mac and Windows builds, which the old reader (ELF only) passed in silence.
    Promise: every real header is named by format and machine."""
    binary = identify((FIXTURES / fixture).read_bytes())
    assert binary is not None and binary.label == label


def test_odd_machines_are_named_and_java_classes_are_not_mach_o() -> None:
    """Attack: an s390x ELF shown as "machine 0x16"; a Java class (0xCAFEBABE) taken for a
    fat Mach-O. Promise: s390x by name; a class file is no executable."""
    s390x = b"\x7fELF\x02\x02\x01" + bytes(11) + b"\x00\x16" + bytes(40)
    assert identify(s390x) is not None and identify(s390x).machine == "s390x"  # type: ignore[union-attr]
    java_class = b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + bytes(40)
    assert identify(java_class) is None


# -- native code by content --------------------------------------------------------------------


def test_mac_and_windows_builds_are_errors_that_say_where_and_what_to_do() -> None:
    """Attack: a layer pip-installed on a Mac, and one built on Windows. Promise: an error
    saying where it was built and how to rebuild for Linux."""
    mac = layer({"python/markupsafe/_speedups.cpython-312-darwin.so":
                 real("macho-arm64-markupsafe.so")})
    found = local_findings(mac, ["python3.12"], ["arm64"])
    error = next(f for f in found if f.code == "platform")
    assert error.level == "error"
    assert "built on macOS (Mach-O arm64)" in error.message and "Lambda runs Linux" in error.message
    assert "pip install --platform manylinux2014_aarch64 --only-binary=:all:" in error.message
    windows = layer({"nodejs/node_modules/r/rollup.win32-x64-msvc.node":
                     real("pe-x86_64-rollup.node")})
    found = local_findings(windows, ["nodejs20.x"], ["x86_64"])
    error = next(f for f in found if f.code == "platform")
    assert "built on Windows (PE x86_64)" in error.message
    assert "npm install --os=linux" in error.message


def test_extensionless_executables_are_read_by_content() -> None:
    """Attack: an x86_64 executable in python/bin/ (what pip install --target makes) and an
    aarch64 bootstrap, neither named like a binary. Promise: both read and judged."""
    data = layer({
        "python/bin/tool": (real("elf-x86_64-esbuild"), 0o755),
        "python/pkg/__init__.py": b"",
    })
    found = local_findings(data, ["python3.12"], ["arm64"])
    assert ("error", "architecture") in codes(found)
    assert "1 x86_64 binary in a layer declared for arm64" in found[0].message
    custom = layer({"bootstrap": (real("elf-aarch64-esbuild"), 0o755)})
    assert codes(local_findings(custom, ["provided.al2023"], ["x86_64"]), "error") == [
        ("error", "architecture")
    ]


def test_counts_agree_with_their_nouns() -> None:
    """Attack: "1 arm64 binaries". Promise: the singular for one, the plural for more."""
    one = layer({"python/a.so": real("elf-aarch64-markupsafe.so")})
    three = layer({f"python/m{i}.so": real("elf-aarch64-markupsafe.so") for i in range(3)})
    assert "1 arm64 binary " in local_findings(one, ["python3.12"], ["x86_64"])[0].message
    assert "3 arm64 binaries " in local_findings(three, ["python3.12"], ["x86_64"])[0].message


def test_heads_are_coalesced_bounded_and_counted(sandbox: Any) -> None:
    """Attack: 150 small extension modules, one Range GET each (150 round trips), and the
    bytes those reads cost left out of bytes_fetched. Promise: neighbouring heads share one
    read, every byte is counted, and a cap over the candidates is said."""
    files: dict[str, bytes | tuple[bytes, int]] = {
        f"python/pkg/m{i}.cpython-312-x86_64-linux-gnu.so": real("elf-x86_64-markupsafe.so", 600)
        for i in range(250)
    }
    data = layer(files)
    client = sandbox.client("lambda", "eu-west-1")
    arn = client.publish_layer_version(
        LayerName="many", Content={"ZipFile": data}, CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"])["LayerVersionArn"]
    sandbox.stats.reset()
    report = inspect_layer_version(client, arn)
    requests = sum(sandbox.stats.content_requests.values())
    assert requests <= 4  # the tail (plus a directory read) and one or two coalesced head reads
    assert report.bytes_fetched == sandbox.stats.content_bytes_sent
    assert any("sampled 200 of 250 native candidates" in f.message for f in report.findings)
    assert serious(list(report.findings)) == []


def test_coalescing_keeps_far_heads_apart() -> None:
    """Attack: one coalesced read spanning megabytes of other data between two heads.
    Promise: a read carries at most the waste bound of other members' bytes."""
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("python/a.so", real("elf-x86_64-markupsafe.so"))
        archive.writestr("python/blob.bin", bytes(2_000_000))
        archive.writestr("python/b.so", real("elf-x86_64-markupsafe.so"))
    blob = stored.getvalue()
    reads: list[int] = []

    def read_range(offset: int, length: int) -> bytes:
        reads.append(length)
        return blob[offset : offset + length]

    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        entries = [ZipEntry(i.filename, i.file_size, i.compress_size, i.CRC, i.compress_type,
                            datetime(2026, 1, 1), False, i.header_offset)
                   for i in z.infolist() if i.filename.endswith(".so")]
    heads = RangeHeads(read_range, len(blob))(entries, 1024)
    assert sorted(heads.heads) == ["python/a.so", "python/b.so"]
    assert len(reads) == 2 and max(reads) < 4096
    assert all(identify(h) is not None for h in heads.heads.values())


# -- runtime fit ---------------------------------------------------------------------------------


def test_a_custom_runtime_bootstrap_at_the_root_is_right() -> None:
    """Attack: the old false positive, "bootstrap is not on any runtime's path", on the one
    correct place for a custom runtime's bootstrap. Promise: no finding at all."""
    for bootstrap in (real("elf-x86_64-esbuild"), b"#!/bin/sh\nexec /opt/bin/app\n"):
        data = layer({"bootstrap": (bootstrap, 0o755), "bin/app": (real("elf-x86_64-esbuild"),
                                                                    0o755)})
        assert local_findings(data, ["provided.al2023"], ["x86_64"]) == []


def test_a_bootstrap_that_cannot_run_is_an_error() -> None:
    """Attack: bootstrap stored 0644 (Runtime.InvalidEntrypoint), a bootstrap that is a text
    file without #!, and one whose #! line ends in CRLF. Promise: an error for each."""
    no_exec = local_findings(layer({"bootstrap": real("elf-x86_64-esbuild")}),
                             ["provided.al2023"], ["x86_64"])
    assert [f.message for f in no_exec if f.code == "bootstrap"] == [
        "bootstrap has no exec bit (mode 0644): Lambda fails with Runtime.InvalidEntrypoint "
        "(permission denied); chmod 755 bootstrap before zipping"]
    not_a_program = local_findings(layer({"bootstrap": (b"node index.js\n", 0o755)}),
                                   ["provided.al2023"], [])
    assert codes(not_a_program) == [("error", "bootstrap")]
    crlf = local_findings(layer({"bootstrap": (b"#!/bin/sh\r\necho hi\r\n", 0o755)}),
                          ["provided.al2023"], [])
    assert codes(crlf) == [("error", "bootstrap")] and "CRLF" in crlf[0].message


def test_each_declared_python_reads_something() -> None:
    """Attack: packages under python/lib/python3.12/site-packages declared for python3.12 and
    python3.13, which passed though 3.13 reads none of it. Promise: a finding naming 3.13."""
    data = layer({"python/lib/python3.12/site-packages/six.py": b"x = 1\n"})
    found = local_findings(data, ["python3.12", "python3.13"], [])
    assert [f.message.split(":")[0] for f in found] == ["python3.13 reads none of this layer"]


def test_cpython_abi_tags_must_match_each_declared_python() -> None:
    """Attack: a cpython-311 extension in a python3.12 layer (it will not import). Promise:
    an ABI error; abi3 and a matching tag are fine."""
    wrong = layer({"python/m/_s.cpython-311-x86_64-linux-gnu.so": real("elf-x86_64-markupsafe.so")})
    found = local_findings(wrong, ["python3.12"], ["x86_64"])
    assert codes(found) == [("error", "abi")] and "CPython 3.11" in found[0].message
    right = layer({"python/m/_s.cpython-312-x86_64-linux-gnu.so": real("elf-x86_64-markupsafe.so"),
                   "python/m/_t.abi3.so": real("elf-x86_64-markupsafe.so")})
    assert local_findings(right, ["python3.12"], ["x86_64"]) == []


def test_musl_builds_are_flagged_by_name_wheel_tag_and_interpreter() -> None:
    """Attack: a musllinux wheel installed into a layer for glibc Lambda. Promise: an error,
    found by the extension's name, by the dist-info WHEEL tag and by PT_INTERP."""
    by_name = layer({"python/m/_s.cpython-312-x86_64-linux-musl.so":
                     real("elf-x86_64-musl-markupsafe.so")})
    assert ("error", "platform") in codes(local_findings(by_name, ["python3.12"], ["x86_64"]))
    by_tag = layer({"python/m/_s.so": real("elf-x86_64-musl-markupsafe.so"),
                    "python/m-1.0.dist-info/WHEEL":
                    b"Wheel-Version: 1.0\nTag: cp312-cp312-musllinux_1_2_x86_64\n"})
    assert ("error", "platform") in codes(local_findings(by_tag, ["python3.12"], ["x86_64"]))
    interp = b"/lib/ld-musl-x86_64.so.1\0"
    header = bytearray(b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00\x3e\x00" + bytes(300))
    header[0x20:0x28] = (64).to_bytes(8, "little")  # e_phoff
    header[0x36:0x38] = (56).to_bytes(2, "little")  # e_phentsize
    header[0x38:0x3A] = (1).to_bytes(2, "little")  # e_phnum
    header[64:68] = (3).to_bytes(4, "little")  # PT_INTERP
    header[72:80] = (200).to_bytes(8, "little")
    header[96:104] = len(interp).to_bytes(8, "little")
    header[200 : 200 + len(interp)] = interp
    by_interp = layer({"bin/app": (bytes(header), 0o755)})
    assert ("error", "platform") in codes(local_findings(by_interp, ["provided.al2023"], []))


# -- hygiene ---------------------------------------------------------------------------------


def test_archives_lambda_never_unpacks() -> None:
    """Attack: a wheel and an egg copied into python/ unopened, an npm tarball in
    node_modules/. Promise: each named; a jar in java/lib/ and a package's own data tarball
    are correct and pass."""
    data = layer({"python/six-1.16.0-py2.py3-none-any.whl": b"PK", "python/x-1.0-py3.egg": b"PK",
                  "nodejs/node_modules/left-pad-1.3.0.tgz": b"\x1f\x8b",
                  "python/dateutil/zoneinfo/dateutil-zoneinfo.tar.gz": b"\x1f\x8b"})
    found = local_findings(data, ["python3.12", "nodejs20.x"], [])
    paths = sorted(f.path for f in found if f.path)
    assert paths == ["nodejs/node_modules/left-pad-1.3.0.tgz",
                     "python/six-1.16.0-py2.py3-none-any.whl", "python/x-1.0-py3.egg"]
    assert any("never imports from a .whl" in f.message for f in found)
    assert local_findings(layer({"java/lib/a.jar": b"PK"}), ["java21"], []) == []


def test_symlinks_that_dangle_leave_or_point_at_the_build_machine() -> None:
    """Attack: symlinks to /home/runner/…, out of /opt, and to a name not in the layer.
    Promise: a finding for each; a link to a file in the layer passes."""
    link = stat.S_IFLNK | 0o777
    data = layer({"lib/libz.so.1": real("elf-x86_64-markupsafe.so"),
                  "lib/libz.so": (b"libz.so.1", link),
                  "lib/libabs.so": (b"/home/runner/work/libabs.so", link),
                  "lib/up": (b"../../etc/passwd", link),
                  "lib/gone.so": (b"libgone.so.2", link)})
    found = local_findings(data, [], ["x86_64"])
    symlinks = {f.path: f.message for f in found if f.code == "symlink"}
    assert sorted(symlinks) == ["lib/gone.so", "lib/libabs.so", "lib/up"]
    assert "dangles on Lambda" in symlinks["lib/libabs.so"]
    assert "leaves the layer" in symlinks["lib/up"]


def test_backslash_names_are_one_finding_naming_the_cause() -> None:
    """Attack: an old Windows zip tool writing python\\pkg\\m.py for 300 files. Promise: one
    finding that says backslashes are the cause, not 300 stray names."""
    data = layer({f"python\\pkg\\m{i}.py": b"" for i in range(300)})
    found = local_findings(data, ["python3.12"], [])
    back = [f for f in found if "backslash" in f.message]
    assert len(back) == 1 and "300 names use backslashes" in back[0].message
    assert not any("is not on any runtime's path" in f.message for f in found)


def test_packages_at_the_zip_root_get_the_real_fix() -> None:
    """Attack: numpy-like packages zipped at the root, a package carrying its own lib/;
    the old hint said "one folder too high". Promise: "add a python/ folder above them"."""
    data = layer({"numpy/__init__.py": b"", "numpy/lib/__init__.py": b"", "six.py": b""})
    found = local_findings(data, ["python3.12"], [])
    messages = " ".join(f.message for f in found)
    assert "add a python/ folder above them" in messages
    assert "one folder too high" not in messages
