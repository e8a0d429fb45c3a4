"""``coalign analyze FILE --out DIR`` end to end."""

from __future__ import annotations

from coalign.cli.main import run


def test_analyze_command_writes_the_report(three_dimensions, tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    three_dimensions.to_csv(path, index=False)
    code = run(
        [
            "analyze",
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--n-boot",
            "20",
            "--reference",
            "gender=man",
        ]
    )
    assert code == 0
    assert (tmp_path / "out" / "report.html").is_file()
    assert "analysed 3600 ratings by 150 raters" in capsys.readouterr().out


def test_analyze_command_bad_input_is_one_line(tmp_path, capsys):
    path = tmp_path / "ratings.csv"
    path.write_text("item,rater,value\na,b,3\n")
    assert run(["analyze", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "missing column(s) ['dimension']" in err and "Traceback" not in err
