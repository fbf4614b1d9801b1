"""The SQLite example (examples/sqlite): the system's <sqlite3.h> with an overlay, bound in
Python, Go, Java and Swift; Python's sqlite3 module is the independent client: it reads the
database each language wrote, and each language reads the one it wrote."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from packages import ROOT, generate, go, java, python_package, require, run, run_under_sanitizers, swift

CONFIG = ROOT / "examples" / "sqlite" / "bindgen.toml"
# What the oracle writes and every language must read back, and what every language writes
# (the package tests hold the same rows).
ROWS = [(1, "Ada", 36.5, b"\x00\x01\xff"), (2, "Grace \u2713", None, None), (3, "", -1.25, b"")]

pytestmark = pytest.mark.skipif(not Path("/usr/include/sqlite3.h").is_file(),
                                reason="libsqlite3-dev is not installed (tools/setup.sh installs it)")


@pytest.fixture(scope="module")
def home(request) -> Path:
    return Path(request.config.cache.mkdir("sqlite-example"))


@pytest.fixture()
def oracle_dir(tmp_path) -> Path:
    """A folder with oracle.db, written by Python's sqlite3."""
    with sqlite3.connect(tmp_path / "oracle.db") as con:
        con.execute("create table people (id integer primary key, name text, score real, photo blob)")
        con.executemany("insert into people values (?, ?, ?, ?)", ROWS)
    return tmp_path


def read_back(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute("select id, name, score, photo from people order by id").fetchall()


# -- the overlay's inline C, alone under the sanitizers ----------------------------------

HARNESS = r"""
#include <assert.h>
#include <stdio.h>
#include <sqlite3.h>
#include "prelude.h"

static int count(void *user_data, int64_t row, const char *column, const char *value)
{
    (void)row, (void)column, (void)value;
    return ++*(int *)user_data == 3;   /* stop at the third value */
}

int main(void)
{
    sqlite_db *db;
    sqlite_stmt *stmt;
    bool row;
    assert(sqlite_db_open(":memory:", &db) == SQLITE_OK);
    assert(sqlite_db_exec(db, "create table t (a text, b blob, c integer, d real)") == SQLITE_OK);
    assert(sqlite_db_prepare(db, "insert into t values (?, ?, ?, ?)", &stmt) == SQLITE_OK);
    for (int i = 0; i < 4; i++) {
        char text[16];
        snprintf(text, sizeof text, "row %d", i);
        assert(sqlite_stmt_bind_text(stmt, 1, text) == SQLITE_OK);
        assert(sqlite_stmt_bind_blob(stmt, 2, (const uint8_t *)text, (size_t)i) == SQLITE_OK);
        assert(sqlite_stmt_bind_int64(stmt, 3, i) == SQLITE_OK);
        assert(sqlite_stmt_bind_double(stmt, 4, i / 2.0) == SQLITE_OK);
        assert(sqlite_stmt_step(stmt, &row) == SQLITE_OK && !row);
        assert(sqlite_stmt_reset(stmt) == SQLITE_OK);
    }
    assert(sqlite_stmt_bind_null(stmt, 5) == SQLITE_RANGE && strstr(sqlite_last_error(), "range"));
    sqlite_stmt_finalize(stmt);
    assert(sqlite_db_prepare(db, "select a, b, c, d from t order by a", &stmt) == SQLITE_OK);
    sqlite_db_close(db);   /* the statement keeps it */
    int rows = 0;
    while (sqlite_stmt_step(stmt, &row) == SQLITE_OK && row) {
        uint8_t blob[8];
        size_t n = sqlite_stmt_column_bytes(stmt, 1);
        sqlite_stmt_column_blob(stmt, 1, blob, n);
        assert(n == (size_t)rows && memcmp(blob, sqlite_stmt_column_text(stmt, 0), n) == 0);
        assert(sqlite_stmt_column_count(stmt) == 4 && sqlite_stmt_column_type(stmt, 2) == SQLITE_INTEGER);
        assert(sqlite_stmt_column_int64(stmt, 2) == rows && sqlite_stmt_column_double(stmt, 3) == rows / 2.0);
        rows++;
    }
    assert(rows == 4);
    sqlite_stmt_finalize(stmt);
    sqlite_stmt_finalize(NULL);
    sqlite_db_close(NULL);
    assert(sqlite_db_open(":memory:", &db) == SQLITE_OK);
    int seen = 0;
    assert(sqlite_db_exec_rows(db, "select 1, 2 union all select 3, 4", count, &seen) == SQLITE_ABORT && seen == 3);
    assert(sqlite_db_exec(db, "selec") == SQLITE_ERROR && strstr(sqlite_last_error(), "syntax error"));
    assert(sqlite_db_prepare(db, "-- nothing", &stmt) == SQLITE_MISUSE && stmt == NULL);
    assert(sqlite_db_changes(db) == 0);
    sqlite_db_close(db);
    assert(sqlite_db_open("/no/such/dir/x.db", &db) == SQLITE_CANTOPEN && db == NULL);
    puts("ok");
    return 0;
}
"""


def test_inline_c_under_sanitizers(tmp_path):
    """The binding's C, compiled strictly and run under ASan (leaks included) and UBSan."""
    assert run_under_sanitizers(CONFIG, HARNESS, tmp_path) == "ok\n"


# -- Python ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sq(home):
    with python_package(CONFIG, home, "sqlite_bindgen") as package:
        yield package


def rows_of(sq, stmt) -> list[tuple]:
    """Every row of a statement, each value read by its column type."""
    read = {sq.ColumnType.INTEGER: stmt.column_int64, sq.ColumnType.FLOAT: stmt.column_double,
            sq.ColumnType.TEXT: stmt.column_text, sq.ColumnType.BLOB: stmt.column_blob,
            sq.ColumnType.NULL_: lambda column: None}
    out = []
    while stmt.step():
        out.append(tuple(read[stmt.column_type(i)](i) for i in range(stmt.column_count())))
    return out


def test_python_reads_what_sqlite3_wrote(sq, oracle_dir):
    with sq.Db.open(str(oracle_dir / "oracle.db")) as db:
        with db.prepare("select id, name, score, photo from people order by id") as stmt:
            assert rows_of(sq, stmt) == ROWS


def test_sqlite3_reads_what_python_wrote(sq, tmp_path):
    with sq.Db.open(str(tmp_path / "ours.db")) as db:
        db.exec("create table people (id integer primary key, name text, score real, photo blob)")
        with db.prepare("insert into people values (?, ?, ?, ?)") as stmt:
            for id_, name, score, photo in ROWS:
                stmt.bind_int64(1, id_)
                stmt.bind_text(2, name)
                stmt.bind_null(3) if score is None else stmt.bind_double(3, score)
                stmt.bind_null(4) if photo is None else stmt.bind_blob(4, photo)
                assert stmt.step() is False   # done: an INSERT returns no row
                stmt.reset()
        assert db.changes() == 1
    assert read_back(tmp_path / "ours.db") == ROWS


def test_python_callback_and_errors(sq, oracle_dir):
    with sq.Db.open(str(oracle_dir / "oracle.db")) as db:
        seen = []
        db.exec_rows("select name, score from people order by id", lambda row, col, value: seen.append((row, col, value)) or 0)
        assert seen[:3] == [(0, "name", "Ada"), (0, "score", "36.5"), (1, "name", "Grace \u2713")]
        assert (1, "score", None) in seen
        with pytest.raises(sq.SqliteError) as e:   # the callback stops the query
            db.exec_rows("select name from people", lambda row, col, value: 1)
        assert e.value.status == sq.Status.ABORT
        with pytest.raises(sq.SqliteError) as e:
            db.exec("selec nonsense")
        assert e.value.status == sq.Status.ERROR and "syntax error" in e.value.message
        with pytest.raises(sq.SqliteError) as e:
            db.exec("insert into people (id, name) values (1, 'again')")
        assert e.value.status == sq.Status.CONSTRAINT and "UNIQUE" in e.value.message
        with pytest.raises(sq.SqliteError) as e:
            db.prepare("select * from nowhere")
        assert "no such table: nowhere" in e.value.message


def test_python_statement_keeps_its_connection(sq, oracle_dir):
    db = sq.Db.open(str(oracle_dir / "oracle.db"))
    stmt = db.prepare("select name from people order by id")
    db.close()                      # closed for good once the statement is finalized
    assert stmt.step() and stmt.column_text(0) == "Ada"
    stmt.close()
    with pytest.raises(sq.SqliteError) as e:
        db.exec("select 1")
    assert e.value.status == sq.Status.MISUSE and "closed" in e.value.message
    with pytest.raises(sq.SqliteError) as e:
        sq.Db.open(str(oracle_dir / "no" / "such" / "dir.db"))
    assert e.value.status == sq.Status.CANTOPEN


# -- Go, Java, Swift: their package tests, then Python's sqlite3 reads what they wrote ----

def test_go(home, oracle_dir):
    tool = go()
    package = generate(CONFIG, home, "go")
    run([tool, "vet", "./..."], package, 300)
    run([tool, "test", "./..."], package, 300, SQLITE_ORACLE_DIR=str(oracle_dir))
    assert read_back(oracle_dir / "go.db") == ROWS


def test_java(home, oracle_dir):
    java()
    res = run(["sh", "build.sh", "test"], generate(CONFIG, home, "java"), 600,
              SQLITE_ORACLE_DIR=str(oracle_dir))
    assert "0 tests failed" in res.stdout and " 0 tests successful" not in res.stdout
    assert read_back(oracle_dir / "java.db") == ROWS


def test_swift(home, oracle_dir):
    tool = swift()
    require("swift", None if tool else "swift is not on PATH or in /opt/swift")
    res = run([tool, "test"], generate(CONFIG, home, "swift"), 900, SQLITE_ORACLE_DIR=str(oracle_dir))
    assert "with 0 failures" in res.stdout + res.stderr
    assert read_back(oracle_dir / "swift.db") == ROWS
