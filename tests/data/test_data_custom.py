"""The student's own points: what is accepted, how labels decide the task, and every refusal."""

import numpy as np
import pytest

from app.data.custom import DataError, parse_csv, parse_points

SQUARE = [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]]


def test_data_error_carries_field_and_message():
    err = DataError("points[3]", "bad")
    assert isinstance(err, ValueError)
    assert (err.field, err.message, str(err)) == ("points[3]", "bad", "points[3]: bad")


@pytest.mark.parametrize(("labels", "kind", "k", "dtype"), [
    ([0, 1, 1, 0], "binary", 2, np.int64),
    ([0.0, 1.0, 2.0, 1.0], "multiclass", 3, np.int64),
    ([0, 1, 2, 3, 4, 0], "multiclass", 5, np.int64),
    ([0.5, -1, 1, 0], "regression", 0, np.float64),
    ([-1, 1, 1, -1], "regression", 0, np.float64),  # TF-style ±1 is not 0..K-1
    ([0, 1, 2, 3, 4, 5], "regression", 0, np.float64),  # more classes than allowed: a number
    ([0.25, 0.25, 0.25, 0.25], "regression", 0, np.float64),
])
def test_labels_decide_the_task(labels, kind, k, dtype):
    points = [*SQUARE, [0.0, 0.0], [2.0, 2.0]][: len(labels)]
    x, y, got_kind, got_k = parse_points(points, labels, max_points=100)
    assert x.shape == (len(labels), 2) and x.dtype == np.float64
    assert (got_kind, got_k, y.dtype) == (kind, k, dtype)
    np.testing.assert_array_equal(y, labels)


def test_points_on_the_edge_are_inside():
    x, *_ = parse_points([[-6, 6], [6, -6], [0, 0], [6, 6]], [0, 1, 0, 1], max_points=4)
    np.testing.assert_array_equal(x, [[-6, 6], [6, -6], [0, 0], [6, 6]])


@pytest.mark.parametrize(("points", "labels", "field", "words"), [
    (SQUARE, [0, 1, 0], "labels", "3 labels for 4 points"),
    (SQUARE[:3], [0, 1, 0], "points", "at least 4"),
    (SQUARE * 3, [0, 1] * 6, "points", "at most 10 points allowed, got 12"),
    ([*SQUARE[:3], [1.0]], [0, 1, 0, 1], "points[3]", "pair of numbers"),
    ([*SQUARE[:3], [1.0, 2.0, 3.0]], [0, 1, 0, 1], "points[3]", "pair of numbers"),
    ([*SQUARE[:3], "ab"], [0, 1, 0, 1], "points[3]", "pair of numbers"),
    ([SQUARE[0], [float("nan"), 0.0], *SQUARE[2:]], [0, 1, 0, 1], "points[1]", "finite"),
    ([SQUARE[0], [0.0, float("inf")], *SQUARE[2:]], [0, 1, 0, 1], "points[1]", "finite"),
    ([SQUARE[0], [True, 0.0], *SQUARE[2:]], [0, 1, 0, 1], "points[1]", "finite"),
    ([SQUARE[0], ["1", 0.0], *SQUARE[2:]], [0, 1, 0, 1], "points[1]", "finite"),
    ([*SQUARE[:2], [6.5, 0.0], SQUARE[3]], [0, 1, 0, 1], "points[2]", "outside [-6, 6]²"),
    (SQUARE, [0, 1, float("nan"), 1], "labels[2]", "finite"),
    (SQUARE, [0, 1, 0, float("-inf")], "labels[3]", "finite"),
    (SQUARE, [0, 1, None, 1], "labels[2]", "finite"),
    (SQUARE, [0, 1, 10**309, 1], "labels[2]", "finite"),  # no float holds it: refused, not an OverflowError
    (SQUARE, [0, 1, 0.5, -1.7e308], "labels[3]", "label must be in [-1e+06, 1e+06]"),
    (SQUARE, [1, 1, 1, 1], "labels", "two classes"),
    (SQUARE, [0, 2, 0, 2], "labels", "no point has label 1"),
])
def test_bad_points_are_refused_by_index(points, labels, field, words):
    with pytest.raises(DataError) as caught:
        parse_points(points, labels, max_points=10)
    assert caught.value.field == field and words in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def test_extent_is_a_parameter():
    with pytest.raises(DataError, match=r"points\[0\]"):
        parse_points([[2.0, 0.0], *SQUARE[1:]], [0, 1, 0, 1], max_points=10, extent=1.5)


def test_max_classes_is_a_parameter():
    _, _, kind, k = parse_points(SQUARE, [0, 1, 2, 0], max_points=10, max_classes=2)
    assert (kind, k) == ("regression", 0)


# --- CSV


def csv(text: str, max_points: int = 10, max_bytes: int = 1000):
    return parse_csv(text, max_points=max_points, max_bytes=max_bytes)


def test_csv_plain_rows():
    x, y, kind, k = csv("-1,-1,0\n1,-1,1\n-1,1,1\n1,1,0\n")
    np.testing.assert_array_equal(x, SQUARE)
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert (kind, k, y.dtype) == ("binary", 2, np.int64)


@pytest.mark.parametrize("text", [
    "x1,x2,label\n-1,-1,0\n1,-1,1\n-1,1,1\n1,1,0",  # header
    "\ufeffx1,x2,label\r\n-1,-1,0\r\n1,-1,1\r\n-1,1,1\r\n1,1,0\r\n",  # BOM and CRLF
    "\n\n-1,-1,0\n\n1,-1,1\n   \n-1,1,1\n1,1,0\n\n",  # blank lines
    "  -1 , -1 , 0 \n 1,-1,1\n-1,1,1\n1,1,0",  # surrounding spaces
    "-1;-1;0\n1;-1;1\n-1;1;1\n1;1;0",  # semicolons
    "x1\tx2\tlabel\n-1\t-1\t0\n1\t-1\t1\n-1\t1\t1\n1\t1\t0",  # tabs
    "-1,-1,0.0\n1.0,-1,1e0\n-1,1,1\n1,1,0",  # floats that are whole numbers
])
def test_csv_tolerates_common_dialects(text):
    x, y, kind, _ = csv(text)
    np.testing.assert_array_equal(x, SQUARE)
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert kind == "binary"


def test_csv_regression_targets():
    _, y, kind, k = csv("-1,-1,0.5\n1,-1,-0.25\n-1,1,1\n1,1,0")
    assert (kind, k, y.dtype) == ("regression", 0, np.float64)
    np.testing.assert_array_equal(y, [0.5, -0.25, 1, 0])


GOOD = "-1,-1,0\n1,-1,1\n-1,1,1\n"


@pytest.mark.parametrize(("text", "field", "words"), [
    ("x1,x2,label\n" + GOOD + "\n\n1,1", "csv line 7", "expected 3 values x1,x2,label, got 2"),
    (GOOD + "1,1,0,4", "csv line 4", "got 4"),
    (GOOD + "1,abc,0", "csv line 4", "x2 must be a finite number, got 'abc'"),
    (GOOD + "nan,1,0", "csv line 4", "x1 must be a finite number"),
    (GOOD + "1,1,inf", "csv line 4", "label must be a finite number"),
    (GOOD + "1,1,", "csv line 4", "label must be a finite number"),
    (GOOD + "1,1,1.7e308", "csv line 4", "label must be in [-1e+06, 1e+06], got 1.7e+308"),
    (GOOD + "1,1,-1000000.5", "csv line 4", "label must be in [-1e+06, 1e+06]"),
    ("x1,x2,label\n" + GOOD + "7,1,0", "csv line 5", "outside [-6, 6]²"),
    ("x1,x2,label\n" + GOOD, "csv", "at least 4 points, got 3"),
    ("", "csv", "at least 4 points, got 0"),
    (GOOD * 4, "csv", "at most 10 points allowed, got 12"),
    ("x1,x2,label\n1,1,1\n2,2,1\n3,3,1\n4,4,1", "csv", "every label is 1"),
    ("1,1,0\n2,2,0\n3,3,0\n4,4,0\n", "csv", "two classes"),
])
def test_csv_errors_name_the_line(text, field, words):
    with pytest.raises(DataError) as caught:
        csv(text)
    assert caught.value.field == field and words in caught.value.message


def test_csv_over_the_byte_limit_is_refused_before_parsing():
    with pytest.raises(DataError, match="at most 20") as caught:
        csv("not,even,csv\n" * 3, max_bytes=20)
    assert caught.value.field == "csv"


def test_csv_byte_limit_counts_utf8_bytes():
    text = "x₁,x₂,label\n" + GOOD + "1,1,0\n"
    assert len(text) < len(text.encode("utf-8"))  # the subscripts take three bytes each
    with pytest.raises(DataError, match="bytes"):
        csv(text, max_bytes=len(text))
