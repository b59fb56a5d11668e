"""The build cache: content-addressed outputs keyed by everything that determines them.

Layout (``.postmortem-cache/`` beside the config, git-ignored)::

    <profile>/index.sealed      sources, validated summaries, output digests, published and spare state (HMAC, then JSON)
    <profile>/objects.sqlite    output bytes by SHA-256, validated incidents (sealed pickles) by load key
    jinja/                      compiled templates (Jinja bytecode, each file sealed with the project's key)

The cache is untrusted input (a CI cache can be restored from anyone's build):
the index carries an HMAC made with the project's own key, which lives outside
the cache (``$POSTMORTEM_CACHE_KEY``, else ``.postmortem-state/cache.key``, mode
0600), so whoever can write the cache but not the key cannot make it name other
outputs; every object is hashed again when read and must match the digest the
index gives; a pickle (a validated incident, a site record) is unpickled only
when it carries an HMAC made with the same key, and so is a compiled template run
(``generator.builder.template_cache``).  Anything that does not
check out, a malformed index or a broken database raises ``CacheCorruptError``:
the build warns once and starts again from an empty cache.  Nothing in the cache is
followed or waited on: a symlinked cache folder is not used, a symlink, FIFO or device
in it is removed before anything is read or written (a restored cache could otherwise
make the build write outside the project, hang, or read ``/dev/zero``), the index is
read with a size cap, and a database that holds anything but its own two tables (a
trigger that loops and fills the disk, a view) is refused before any statement runs.

A *profile* is one output folder, so builds of different folders never evict
each other.  Keys are SHA-256 hashes of: the raw bytes of the incident file and
the path it was read from (defaults and diagnostics depend on both), the site
config, every template file (built-in and ``--templates``), the tool's code,
the format and internal/public.  Nothing here imports YAML, pydantic models or
Jinja, so a no-op build stays cheap.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import sqlite3

from generator import __version__
from generator.write.files import write_file_atomically

CACHE_DIR = ".postmortem-cache"
STORE = "objects.sqlite"
INDEX_VERSION = 2
# A file whose mtime is this close to the last scan may have changed within the
# clock's granularity without its stamp changing (git's "racy" entries): re-hash it.
RACY_NS = 2_000_000_000
_PACKAGE = Path(__file__).resolve().parent.parent  # the generator package


def sha256(*parts: str | bytes) -> str:
    """Hash of length-prefixed parts, so ("ab", "c") and ("a", "bc") differ."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def builtin_templates() -> Path:
    """Same answer as ``generator.render.environment.builtin_templates`` without importing Jinja."""
    packaged = _PACKAGE / "templates"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "templates"


def _files_under(folder: Path) -> list[Path]:
    found = []
    for directory, subdirs, names in os.walk(folder):
        subdirs[:] = sorted(d for d in subdirs if d != "__pycache__")
        found.extend(Path(directory, name) for name in names)
    return sorted(found)


def templates_fingerprint(user_templates: Path | None) -> str:
    """Hash of every template file's name and bytes, built-in and the user's."""
    parts: list[str | bytes] = []
    for label, folder in (("builtin", builtin_templates()), ("user", user_templates)):
        if folder is None:
            continue
        for path in _files_under(folder):
            parts += [label, path.relative_to(folder).as_posix(), path.read_bytes()]
    return sha256(*parts)


def code_fingerprint() -> str:
    """The tool version plus the bytes of its own source files (so an edited checkout rebuilds).

    Bytes, not modification times: a CI job installs the tool afresh on every run
    (a new clone, a new wheel install), which renews every file's time, and a
    restored ``.postmortem-cache/`` would never match (reading the sources is cheap).
    """
    parts: list[str | bytes] = [__version__]
    for path in _files_under(_PACKAGE):
        if path.suffix == ".py":
            parts += [path.relative_to(_PACKAGE).as_posix(), path.read_bytes()]
    return sha256(*parts)


class CacheCorruptError(Exception):
    """The cache cannot be trusted or used: a missing or altered object, a malformed index, a broken database."""


KEY_FILE = "cache.key"
KEY_VARIABLE = "POSTMORTEM_CACHE_KEY"  # a CI secret: the key when the state folder is not kept between runs
INDEX = "index.sealed"
_MAC_BYTES = 32


@dataclass(frozen=True)
class Seal:
    """What seals with the project's key, on its own: it can be handed to the PDF workers (it pickles), which load
    and store compiled templates in the same sealed store as the build (``template_cache``)."""

    secret: bytes = field(repr=False)

    def seal(self, data: bytes, context: str = "") -> bytes:
        return hmac.new(self.secret, context.encode() + b"\0" + data, "sha256").digest() + data

    def unseal(self, sealed: bytes, context: str = "") -> bytes | None:
        mac, data = sealed[:_MAC_BYTES], sealed[_MAC_BYTES:]
        expected = hmac.new(self.secret, context.encode() + b"\0" + data, "sha256").digest()
        return data if len(mac) == _MAC_BYTES and hmac.compare_digest(mac, expected) else None


MAX_INDEX_BYTES = 256 * 1024 * 1024  # ~40x the index of 10,000 incidents; a bigger file is not read
MAX_OBJECT_BYTES = 256 * 1024 * 1024  # far above any output; a bigger blob is never loaded (SQLite gives its length alone)
BYTECODE_DIR = "jinja"
_PROFILE_FILES = (INDEX, "index.json", STORE, f"{STORE}-journal", f"{STORE}-wal", f"{STORE}-shm")
_TABLES = {
    ("table", "objects", "objects", "CREATE TABLE objects (digest TEXT PRIMARY KEY, data BLOB NOT NULL)"),
    ("index", "sqlite_autoindex_objects_1", "objects", None),
    ("table", "models", "models", "CREATE TABLE models (key TEXT PRIMARY KEY, data BLOB NOT NULL)"),
    ("index", "sqlite_autoindex_models_1", "models", None),
}


def _blob(digest: str, value: object) -> bytes:
    """A stored object's bytes; anything else in its place (text, a number) makes the cache unusable."""
    if not isinstance(value, bytes):
        raise CacheCorruptError(f"object {digest[:16]}… is not stored as bytes")
    return value


def _lstat_mode(path: Path) -> int | None:
    """The mode of what stands at ``path`` (never followed), or None when nothing does."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _described(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "a file"
    return "a symlink" if stat.S_ISLNK(mode) else "a FIFO, device or socket"


def _kind(path: Path) -> str | None:
    """None for a real folder or regular file (or nothing there), else what ``path`` is instead (never followed)."""
    mode = _lstat_mode(path)
    return None if mode is None or stat.S_ISDIR(mode) or stat.S_ISREG(mode) else _described(mode)


def _instead_of_a_folder(path: Path) -> str | None:
    """None for a real folder (or nothing there), else what stands at ``path`` instead (never followed)."""
    mode = _lstat_mode(path)
    return None if mode is None or stat.S_ISDIR(mode) else _described(mode)


def _remove_if_not_a_folder(path: Path) -> str | None:
    """Remove what stands at ``path`` unless it is a real folder (the cache is safe to delete); why, if it was removed."""
    kind = _instead_of_a_folder(path)
    if kind is None:
        return None
    with suppress(OSError):
        os.unlink(path)  # never follows a symlink
    return f"{path.name} was {kind}, not a folder"


def _not_followed(folder: Path) -> str | None:
    """Why the cache folder itself is not used: a symlink (a restored cache could point it anywhere) or not a folder."""
    kind = _instead_of_a_folder(folder)
    return None if kind is None else f"{folder.name} is {kind}, not a folder: it is not followed"


def _cache_folder_problem(root: Path) -> str | None:
    """Why a profile cannot be used as it is, after removing from the cache what must never be followed or read."""
    problems = [why for why in (_remove_if_not_a_folder(root), _remove_if_not_a_folder(root.parent / BYTECODE_DIR)) if why]
    problems += [f"{name} is {kind}" for name in _PROFILE_FILES if (kind := _kind(root / name))]
    return "; ".join(problems) or None


def _project_secret(cache_folder: Path) -> bytes:
    """The key that seals this project's pickles: kept in the state folder beside the cache, never inside it.

    A key that cannot be read or made gives a key for this process only: the
    cache's pickles are then simply not trusted (rendered again), never unpickled.
    """
    from generator.builder.tree import STATE_DIR

    if os.environ.get(KEY_VARIABLE):
        return hashlib.sha256(os.environ[KEY_VARIABLE].encode("utf-8", "surrogateescape")).digest()
    path = cache_folder.parent / STATE_DIR / KEY_FILE
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
    except OSError:
        pass
    key = os.urandom(32)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(handle, "wb") as stream:
            stream.write(key)
    except FileExistsError:
        try:
            existing = path.read_bytes()
        except OSError:
            return key
        return existing if len(existing) == 32 else key
    except OSError:
        pass
    return key


def _valid_index(index: object) -> bool:
    """The index has the shape this version writes.

    Only the sections are checked: the index is sealed, so its entries are the
    ones this project's builds wrote (checking each of ~10,000 would cost a
    no-op build several milliseconds).
    """
    if not isinstance(index, dict) or index.get("version") != INDEX_VERSION or not isinstance(index.get("scanned_ns"), int):
        return False
    return (all(isinstance(index.get(section), dict) for section in ("sources", "loads", "outputs", "sites"))
            and isinstance(index.get("formats"), list)
            and all(index.get(state) is None or isinstance(index.get(state), dict) for state in ("published", "spare")))


class BuildCache:
    """One output folder's cache.  ``folder=None`` gives a cache that remembers nothing."""

    def __init__(self, folder: Path | None, out_dir: Path, *, force: bool = False):
        self.force = force  # look nothing up, but still record this build for the next one
        self._memory: dict[str, bytes] = {}
        self.problem: str | None = None  # why the stored index was not used, when it exists but is unusable
        self.root = (folder / sha256(str(out_dir.absolute()))[:16]) if folder is not None else None
        self.location = self.root  # what warnings name
        if folder is not None and self.root is not None:
            self.problem = _not_followed(folder)
            if self.problem is not None:
                self.location, folder, self.root = folder, None, None  # this build keeps its cache in memory
            else:
                self.problem = _cache_folder_problem(self.root)
        self.enabled = folder is not None
        self.bytecode_dir = folder / BYTECODE_DIR if folder is not None else None  # compiled templates, sealed
        self.secret = _project_secret(folder) if folder is not None else os.urandom(32)
        self.key_id = hashlib.sha256(self.secret).hexdigest()[:16]  # in the keys of sealed outputs: another key's never match
        self.sealer = Seal(self.secret)
        self.index: dict[str, Any] = self._read_index() if self.problem is None else self._empty_index()
        self.started_ns = time.time_ns()
        self.used_sources: dict[str, list[Any]] = {}
        self.used_loads: dict[str, Any] = {}
        self.used_outputs: dict[str, str] = {}
        self.built_formats: set[str] = set()  # the formats this build renders (see ``save``)
        self.used_sites: dict[str, dict[str, str]] = {}
        self._store: sqlite3.Connection | None = None
        self.new_models: dict[str, bytes] = {}

    # -- index -------------------------------------------------------------------------------
    @staticmethod
    def _empty_index() -> dict[str, Any]:
        return {"version": INDEX_VERSION, "scanned_ns": 0, "sources": {}, "loads": {}, "outputs": {}, "formats": [], "sites": {},
                "published": None, "spare": None}

    def _read_index(self) -> dict[str, Any]:
        from generator.load.files import read_capped

        empty = self._empty_index()
        if self.root is None:
            return empty
        try:
            sealed = read_capped(self.root / INDEX, MAX_INDEX_BYTES)  # a FIFO or /dev/zero is refused, never read
        except FileNotFoundError:
            return empty
        except OSError as exc:
            self.problem = f"cannot read its index ({exc})"
            return empty
        data = self.unseal(sealed, INDEX)
        if data is None:
            self.problem = f"its index is not sealed with this project's key (set ${KEY_VARIABLE} alike wherever the cache is shared)"
            return empty
        try:
            index = orjson.loads(data)
        except ValueError as exc:
            self.problem = f"its index is malformed ({exc})"
            return empty
        if not (self.root / STORE).is_file():
            return empty
        if not _valid_index(index):
            self.problem = "its index is malformed or from another version"
            return empty
        return index

    def source_digest(self, path: Path) -> tuple[str, bytes | None]:
        """SHA-256 of a source's bytes; trusts (size, mtime) unless the entry is racy.

        Returns the bytes too when they had to be read, so the loader need not read twice.
        """
        from generator.load.files import read_capped

        key = str(path)
        stat = path.stat()
        entry = self.index["sources"].get(key)
        trusted = stat.st_mtime_ns < self.index["scanned_ns"] - RACY_NS
        if entry and not self.force and trusted and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            self.used_sources[key] = entry
            return entry[2], None
        raw = read_capped(path)
        digest = hashlib.sha256(raw).hexdigest()
        self.used_sources[key] = [stat.st_size, stat.st_mtime_ns, digest]
        return digest, raw

    def validated(self, load_key: str) -> dict[str, Any] | None:
        """The summary of a validated incident file (id, visibility, warnings) stored for ``load_key``, else None."""
        summary = None if self.force else self.index["loads"].get(load_key)
        if summary is not None:
            self.used_loads[load_key] = summary
        return summary

    def put_validated(self, load_key: str, summary: Mapping[str, Any], model: bytes) -> None:
        """Remember a validated incident: its summary and its pickled model."""
        self.used_loads[load_key] = summary
        self.new_models[load_key] = model

    def model(self, load_key: str) -> bytes | None:
        """The pickled validated incident stored for ``load_key`` if its seal checks out, else None (the file is loaded again)."""
        if load_key in self.new_models:
            return self.new_models[load_key]
        if self.store is None:
            return None
        # typeof: a restored cache may hold text or an integer there (bytes(10**12) would allocate a terabyte).
        row = self._query("SELECT data FROM models WHERE key = ? AND typeof(data) = 'blob' AND length(data) <= ?",
                          (load_key, MAX_OBJECT_BYTES)).fetchone()
        return self.unseal(row[0], load_key) if row and isinstance(row[0], bytes) else None

    # -- seals -------------------------------------------------------------------------------
    def seal(self, data: bytes, context: str = "") -> bytes:
        """``data`` with an HMAC made with the project's key (bound to ``context``), so only this project's pickles are loaded."""
        return self.sealer.seal(data, context)

    def unseal(self, sealed: bytes, context: str = "") -> bytes | None:
        """The data of a sealed blob, or None when its HMAC does not match."""
        return self.sealer.unseal(sealed, context)

    def _query(self, sql: str, parameters: Any = ()) -> Any:
        """Run one statement on the store; a database error means an unusable cache."""
        import sqlite3

        store = self.store
        assert store is not None
        try:
            return store.execute(sql, parameters)
        except sqlite3.Error as exc:
            raise CacheCorruptError(f"its database fails: {exc}") from None

    # -- outputs -----------------------------------------------------------------------------
    def output(self, out_key: str) -> str | None:
        """Digest of the cached output for ``out_key``, else None."""
        digest = None if self.force else self.index["outputs"].get(out_key)
        if digest is not None:
            self.used_outputs[out_key] = digest
        return digest

    def put_output(self, out_key: str, data: bytes) -> str:
        """Store the bytes of one output under its key; return their digest."""
        digest = self.put_object(data)
        self.used_outputs[out_key] = digest
        return digest

    def site(self, site_key: str) -> dict[str, str] | None:
        """A set of site files (name -> digest) remembered under ``site_key``, else None."""
        files = None if self.force else self.index["sites"].get(site_key)
        if files is not None:
            self.used_sites[site_key] = files
        return files

    def put_site(self, site_key: str | None, files: dict[str, bytes]) -> dict[str, str]:
        """Store ``files``; remember them under ``site_key`` unless it is None (they are kept by a larger set)."""
        digests = {name: self.put_object(data) for name, data in files.items()}
        if site_key is not None:
            self.used_sites[site_key] = digests
        return digests

    def keep_site(self, site_key: str, digests: dict[str, str]) -> None:
        """Remember already stored files as one set under ``site_key``."""
        self.used_sites[site_key] = digests

    @property
    def store(self) -> sqlite3.Connection | None:
        """The object store, opened on first use (a no-op build never opens it)."""
        if self._store is None and self.root is not None:
            import sqlite3

            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self._store = sqlite3.connect(self.root / STORE, timeout=60)
                self._store.execute("PRAGMA trusted_schema = OFF")
                found = set(self._store.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
                if not found <= _TABLES:  # a trigger or view would run inside the build's own statements
                    self.close()
                    raise CacheCorruptError("its database holds tables, views or triggers of its own")
                self._store.execute("CREATE TABLE IF NOT EXISTS objects (digest TEXT PRIMARY KEY, data BLOB NOT NULL)")
                self._store.execute("CREATE TABLE IF NOT EXISTS models (key TEXT PRIMARY KEY, data BLOB NOT NULL)")
            except (OSError, sqlite3.Error) as exc:
                self.close()
                raise CacheCorruptError(f"cannot open its database: {exc}") from None
        return self._store

    def put_object(self, data: bytes) -> str:
        """Store ``data`` by its SHA-256 (in memory when the cache has no folder); return the digest."""
        digest = hashlib.sha256(data).hexdigest()
        if self.store is None:
            self._memory[digest] = data
        else:
            self._query("INSERT OR IGNORE INTO objects VALUES (?, ?)", (digest, data))
        return digest

    def read_object(self, digest: str) -> bytes:
        """The object stored under ``digest``, hashed again: an altered or missing object is an unusable cache."""
        if self.store is None:
            return self._memory[digest]
        self._refuse_oversized([digest])
        row = self._query("SELECT data FROM objects WHERE digest = ?", (digest,)).fetchone()
        if row is None:
            raise CacheCorruptError(f"object {digest[:16]}… is missing")
        data = _blob(digest, row[0])
        if hashlib.sha256(data).hexdigest() != digest:
            raise CacheCorruptError(f"object {digest[:16]}… does not match its digest")
        return data

    def _refuse_oversized(self, digests: list[str]) -> None:
        """Check types and sizes before any blob is loaded: a restored cache could hold gigabytes under a digest the index
        names, or text or an integer where bytes belong (SQLite gives the length of an integer's digits)."""
        for start in range(0, len(digests), 500):
            chunk = digests[start:start + 500]
            query = (f"SELECT digest, typeof(data) FROM objects WHERE digest IN ({','.join('?' * len(chunk))}) "
                     "AND (typeof(data) != 'blob' OR length(data) > ?) LIMIT 1")
            row = self._query(query, [*chunk, MAX_OBJECT_BYTES]).fetchone()
            if row is not None:
                what = f"over {MAX_OBJECT_BYTES:,} bytes" if row[1] == "blob" else f"stored as {str(row[1])[:10]}, not bytes"
                raise CacheCorruptError(f"object {str(row[0])[:16]}… is {what}")

    def read_objects(self, digests: list[str]) -> dict[str, bytes]:
        """Many objects in a few queries (a query per object would dominate a small rebuild)."""
        if self.store is None:
            return {digest: self._memory[digest] for digest in digests}
        found: dict[str, bytes] = {}
        unique = sorted(set(digests))
        self._refuse_oversized(unique)
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            query = f"SELECT digest, data FROM objects WHERE digest IN ({','.join('?' * len(chunk))})"
            found.update((digest, _blob(digest, data)) for digest, data in self._query(query, chunk))
        missing = set(unique) - set(found)
        if missing:
            raise CacheCorruptError(f"object {min(missing)[:16]}… is missing")
        for digest, data in found.items():
            if hashlib.sha256(data).hexdigest() != digest:
                raise CacheCorruptError(f"object {digest[:16]}… does not match its digest")
        return found

    # -- published state ---------------------------------------------------------------------
    @property
    def published(self) -> dict[str, Any] | None:
        """What the output folder held right after the last publish (see ``generator.builder.publish``)."""
        return self.index.get("published")

    def set_published(self, state: dict[str, Any] | None) -> None:
        """Remember the state of the output folder after this build's publish."""
        self.index["published"] = state

    @property
    def spare(self) -> dict[str, Any] | None:
        """The same kind of state for the spare tree beside the output folder (see ``generator.builder.publish``)."""
        return self.index.get("spare")

    def set_spare(self, state: dict[str, Any] | None) -> None:
        """Remember the state of the spare tree after this build's publish."""
        self.index["spare"] = state

    # -- saving ------------------------------------------------------------------------------
    def save(self, *, prune: bool = True) -> None:
        """Keep only what this build used (``prune``), or add to the old index (a failed build).

        Objects are committed before the index that names them is replaced, so
        a build killed at any point leaves a consistent cache.
        """
        if self.root is None:
            return
        old = {} if prune else self.index
        formats = sorted(self.built_formats if prune else {*self.built_formats, *self.index.get("formats", [])})
        if prune and not self.built_formats.issuperset(self.index.get("formats", [])):
            # A build of fewer formats than the cache holds (md,html after a full build) keeps the other
            # formats' outputs; the next build of them all drops what no longer applies.
            old = {"outputs": self.index["outputs"]}
            formats = sorted({*self.built_formats, *self.index.get("formats", [])})
        index = {
            "version": INDEX_VERSION,
            "scanned_ns": self.started_ns,
            "sources": dict(sorted({**old.get("sources", {}), **self.used_sources}.items())),
            "loads": dict(sorted({**old.get("loads", {}), **self.used_loads}.items())),
            "outputs": dict(sorted({**old.get("outputs", {}), **self.used_outputs}.items())),
            "formats": formats,
            "sites": {**old.get("sites", {}), **self.used_sites},
            "published": self.index.get("published"),
            "spare": self.index.get("spare"),
        }
        old_objects = set(self.index["outputs"].values()) | {d for files in self.index["sites"].values() for d in files.values()}
        kept = set(index["outputs"].values()) | {d for files in index["sites"].values() for d in files.values()}
        dropped_models = sorted(set(self.index["loads"]) - set(index["loads"]))
        import sqlite3

        try:
            if self._store is not None or self.new_models or dropped_models or old_objects - kept:
                store = self.store
                assert store is not None
                store.executemany("INSERT OR REPLACE INTO models VALUES (?, ?)",
                                  sorted((key, self.seal(model, key)) for key, model in self.new_models.items()))
                store.commit()
            write_file_atomically(self.root / INDEX, self.seal(orjson.dumps(index), INDEX), mode=0o600)
            if old_objects - kept or dropped_models:
                store = self.store
                assert store is not None
                store.executemany("DELETE FROM objects WHERE digest = ?", [(d,) for d in sorted(old_objects - kept)])
                store.executemany("DELETE FROM models WHERE key = ?", [(k,) for k in dropped_models])
                store.commit()
        except (OSError, sqlite3.Error) as exc:
            raise CacheCorruptError(f"cannot be written: {exc}") from None

    def close(self) -> None:
        """Close the object store, if it was opened."""
        if self._store is not None:
            import sqlite3

            with suppress(sqlite3.Error):
                self._store.close()
            self._store = None

    def discard(self) -> None:
        """Delete this profile's index and database (an unusable cache), as far as the file system allows."""
        self.close()
        if self.root is not None:
            for name in (INDEX, "index.json", STORE, f"{STORE}-journal", f"{STORE}-wal", f"{STORE}-shm"):
                with suppress(OSError):
                    (self.root / name).unlink()
