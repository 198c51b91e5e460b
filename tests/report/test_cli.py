"""Every `esq` subcommand explains itself: a description, the defaults, and its own usage on an unknown flag."""

import argparse

import pytest

from pipeline.cli import main, parser


def subcommands(ap, path=()):
    for action in ap._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name), sub
                yield from subcommands(sub, (*path, name))


def test_every_subcommand_has_a_description_and_shows_its_defaults(capsys):
    found = list(subcommands(parser()))
    assert {("tag",), ("report",), ("train",), ("evaluate",), ("corpus", "check")} <= {p for p, _ in found}
    for path, sub in found:
        with pytest.raises(SystemExit) as exit_:
            main([*path, "--help"])
        assert exit_.value.code == 0
        text = " ".join(capsys.readouterr().out.split())  # help wraps lines anywhere
        assert sub.description and sub.description.split()[0] in text, path
        for action in sub._actions:
            shown = action.default is not None and action.default is not False and action.default != [] \
                and action.default != argparse.SUPPRESS and action.option_strings
            if shown:
                assert f"default: {action.default}" in text or f"default {action.default}" in text \
                    or "(default" in (action.help or ""), (path, action.dest)


def test_an_unknown_flag_prints_that_subcommands_usage(capsys):
    for argv, usage in ((["report", "run", "--bogus"], "usage: esq report"),
                        (["corpus", "stats", "--bogus"], "usage: esq corpus stats"),
                        (["tag", "x.txt", "--out", "o", "--bogus"], "usage: esq tag")):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        err = capsys.readouterr().err
        assert exit_.value.code == 2 and err.startswith(usage) and "unrecognized arguments: --bogus" in err
