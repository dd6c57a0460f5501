"""`trustsim exercises`: list, show, the model-computed answer key, worksheets and the guide.

    trustsim exercises list
    trustsim exercises show ID [--lang sv|en]
    trustsim exercises key [--write] [--replications N] [--workers N]
    trustsim exercises worksheet ID --lang sv|en [--out FILE] [--html]
    trustsim exercises guide --lang sv|en [--out FILE] [--html]
    trustsim exercises docs [--out DIR]          # every worksheet and guide, both languages

Bad input prints one line to stderr and exits 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .core import bounded_int

DOCS_DIR = Path("docs") / "teaching"


def _error(message: str) -> int:
    print(f"trustsim: error: {message}", file=sys.stderr)
    return 2


def _emit(text: str, out: str | None) -> None:
    """Print `text`, or write it atomically to `out`."""
    if out is None:
        sys.stdout.write(text)
        return
    _write(Path(out), text)
    print(out)


def _write(path: Path, text: str) -> None:
    from ..teach.exercises import ExerciseError

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExerciseError(f"{path}: cannot write ({exc.strerror})") from None


def cmd_list(args) -> int:
    from ..teach.exercises import list_exercises

    for e in list_exercises():
        print(f"{e.ident:<24} {e.minutes:>3} min  {e.level:<12} {', '.join(e.claims)}")
        print(f"{'':<24} {e.title[args.lang]}")
    return 0


def cmd_show(args) -> int:
    from ..teach.teaching import exercise_guide

    sys.stdout.write(exercise_guide(args.id, args.lang))
    return 0


def cmd_key(args) -> int:
    from ..teach.exercises import (
        answer_key,
        compute_answer_key,
        key_document,
        key_seeds,
        list_exercises,
        many_exercise_runs,
        write_answer_key,
    )
    from ..teach.teaching import number

    exercises = list_exercises()
    reps = args.replications
    runs = many_exercise_runs([(e, key_seeds(e, reps)) for e in exercises], args.workers)
    keys = {e.ident: compute_answer_key(e, reps, runs=r) for e, r in zip(exercises, runs)}
    stale = []
    for e in exercises:
        print(f"{e.ident}")
        try:
            shipped = answer_key(e)
        except ValueError:
            shipped = None
        for q, a in keys[e.ident].items():
            if a.kind == "open" and a.value is None:
                continue
            mark = "" if shipped is None or shipped.get(q) == a else "  (differs from the file)"
            if mark:
                stale.append(f"{e.ident}.{q}")
            choice = f" correct ({chr(97 + a.correct)})" if a.correct is not None else ""
            print(f"  {q:<28} {number(a.value, 'en'):>8}  [{number(a.low, 'en')}, "
                  f"{number(a.high, 'en')}]{choice}{mark}")
    if args.write:
        path = write_answer_key(key_document(keys, reps))
        print(f"wrote {path}")
    elif stale:
        print(f"{len(stale)} answers differ from the key file: run `trustsim exercises key "
              "--write`", file=sys.stderr)
    return 0


def cmd_worksheet(args) -> int:
    from ..teach.teaching import worksheet

    _emit(_format(worksheet(args.id, args.lang), args), args.out)
    return 0


def cmd_guide(args) -> int:
    from ..teach.teaching import teachers_guide

    _emit(_format(teachers_guide(args.lang), args), args.out)
    return 0


def _format(text: str, args) -> str:
    if not args.html:
        return text
    from ..teach.teaching import html_page

    return html_page(text, args.lang)


def cmd_docs(args) -> int:
    from ..teach.exercises import LANGS
    from ..teach.teaching import paper_files

    for lang in LANGS:
        for name, text in paper_files(lang).items():
            _write(Path(args.out) / lang / name, text)
    print(f"wrote {args.out}/{{{','.join(LANGS)}}}/")
    return 0


def _guarded(func):
    """Run `func(args)`; an ExerciseError is one clear line and exit 2."""

    def run(args) -> int:
        from ..teach.exercises import ExerciseError

        try:
            return func(args)
        except ExerciseError as exc:
            return _error(str(exc))

    return run


def register(sub) -> None:
    p = sub.add_parser(
        "exercises",
        help="guided exercises for teaching: list, show, answer key, worksheets, guide",
        description="Guided exercises (exercises/*.toml) in Swedish and English, with an answer "
        "key computed by the model from paired replications. See docs/teaching.md.",
    )
    inner = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    inner.required = True

    def lang_option(q: argparse.ArgumentParser, required: bool = False) -> None:
        q.add_argument("--lang", choices=("sv", "en"), default=None if required else "en",
                       required=required, help="language (sv or en)")

    q = inner.add_parser("list", help="the exercises, shortest first")
    lang_option(q)
    q.set_defaults(func=_guarded(cmd_list))

    q = inner.add_parser("show", help="one exercise with its answer key (the teacher's view)")
    q.add_argument("id", help="exercise id (see `trustsim exercises list`) or a .toml path")
    lang_option(q)
    q.set_defaults(func=_guarded(cmd_show))

    q = inner.add_parser("key", help="recompute the answer key from the model (paired runs)")
    q.add_argument("--write", action="store_true",
                   help="write exercises/answers.json (atomically)")
    q.add_argument("--replications", type=bounded_int(5, 1000), default=None,
                   help="paired replications besides the exercise's own seed (default 12)")
    q.add_argument("--workers", type=bounded_int(1, 256), default=None,
                   help="worker processes (default: all cores)")
    q.set_defaults(func=_guarded(_with_default_reps(cmd_key)))

    q = inner.add_parser("worksheet", help="a printable worksheet (Markdown)")
    q.add_argument("id", help="exercise id")
    lang_option(q, required=True)
    q.add_argument("--out", help="write to this file instead of standard output")
    q.add_argument("--html", action="store_true", help="a printable HTML page, not Markdown")
    q.set_defaults(func=_guarded(cmd_worksheet))

    q = inner.add_parser("guide", help="the teacher's guide with the answer key (Markdown)")
    lang_option(q, required=True)
    q.add_argument("--out", help="write to this file instead of standard output")
    q.add_argument("--html", action="store_true", help="a printable HTML page, not Markdown")
    q.set_defaults(func=_guarded(cmd_guide))

    q = inner.add_parser("docs", help="write every worksheet and the guide, both languages")
    q.add_argument("--out", default=str(DOCS_DIR), help=f"folder (default {DOCS_DIR})")
    q.set_defaults(func=_guarded(cmd_docs))


def _with_default_reps(func):
    def run(args) -> int:
        from ..teach.exercises import DEFAULT_REPLICATIONS

        if args.replications is None:
            args.replications = DEFAULT_REPLICATIONS
        return func(args)

    return run
