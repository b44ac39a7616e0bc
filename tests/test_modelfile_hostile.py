"""Hostile model files (issue 16): every failure of ``load`` is a ModelFileError naming the file and
the field, a small file never makes ``load`` allocate much, and no number read from a file can turn
a prediction into inf or NaN.

The fixtures in ``tests/data/hostile/`` are regression files for the reported cases; each is loaded
below. The corpus test mutates a small real model file (bytes, .npy headers, JSON fields) with a
fixed seed; the hypothesis test mutates its JSON metadata.
"""

import copy
import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.data.preprocess import Preprocessor
from chainrule.data.scaling import Standardizer
from chainrule.data.table import read_table
from chainrule.errors import DataError
from chainrule.io.modelfile import ModelFileError, load, save

HOSTILE = Path(__file__).parent / "data" / "hostile"


def small_model(dtype=np.float64):
    """A 3-4-3 softmax classifier with string labels, a scaler, feature names and a history."""
    net = cr.MLP([3, 4, 3], hidden="tanh", output="softmax", seed=0, dtype=dtype)
    net.classes = np.array(["ab", "cde", "f"])
    net.scaler = Standardizer().fit(
        (np.random.default_rng(0).standard_normal((10, 3)) * 5 + 2).astype(dtype)
    )
    net.feature_names = ["x", "y", "z"]
    net.history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}
    return net


def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def write_members(path, parts):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def meta_of(parts):
    return json.loads(np.load(io.BytesIO(parts["meta.npy"])).tobytes())


def with_meta(parts, meta):
    text = meta if isinstance(meta, bytes) else json.dumps(meta).encode()
    return {**parts, "meta.npy": npy(np.frombuffer(text, np.uint8))}


@pytest.fixture
def good(tmp_path):
    return save(small_model(), tmp_path / "good.chainrule")


def refused(path, *fields):
    with pytest.raises(ModelFileError) as info:
        load(path)
    text = str(info.value)
    assert text.startswith(f"{path}: "), text
    for field in fields:
        assert field in text, text
    return text


def peak_bytes_of_load(path):
    tracemalloc.start()
    try:
        load(path)
    except ModelFileError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def check_loads_finitely_or_is_refused(path):
    """The property: a ModelFileError, or a model whose predictions are finite."""
    try:
        net = load(path)
    except ModelFileError:
        return False
    X = np.random.default_rng(1).standard_normal((5, net.n_features)) * 10
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        out = net.predict_proba(X) if net.task != "regression" else net.predict(X)
    assert np.isfinite(out).all()
    return True


# ---------------------------------------------------------------- D1: sizes and dtypes from a file


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda m: m.update(classes_dtype="<U500000000"), "classes_dtype"),
        (lambda m: m["scaler"].update(dtype="<U500000000"), "scaler"),
        (lambda m: m.update(classes_dtype="<U9999999999"), "classes_dtype"),
        (lambda m: m.update(classes_dtype="|S500000000"), "classes_dtype"),
        (lambda m: m.update(classes_dtype="<U500000000,<U5"), "classes_dtype"),
        (lambda m: m.update(classes_dtype="(100000000,)f8"), "classes_dtype"),
    ],
)
def test_a_label_or_scaler_dtype_bomb_fails_fast_and_allocates_little(good, tmp_path, edit, field):
    parts = members(good)
    meta = meta_of(parts)
    edit(meta)
    path = write_members(tmp_path / "d1.chainrule", with_meta(parts, meta))
    refused(path, field)
    params = sum(np.load(io.BytesIO(parts[f"W{k}.npy"])).nbytes for k in (1, 2))
    assert peak_bytes_of_load(path) < 50 * path.stat().st_size + params


def test_a_label_dtype_must_be_exactly_as_wide_as_the_longest_label(good, tmp_path):
    parts = members(good)
    meta = meta_of(parts)
    assert meta["classes_dtype"] == "<U3"  # "cde"
    for wrong in ("<U4", "<U2", "<U1000"):
        meta["classes_dtype"] = wrong
        refused(write_members(tmp_path / "w.chainrule", with_meta(parts, meta)), "classes_dtype")
    meta["classes_dtype"] = ">U3"  # either byte order
    assert load(
        write_members(tmp_path / "ok.chainrule", with_meta(parts, meta))
    ).classes.tolist() == [
        "ab",
        "cde",
        "f",
    ]


def test_save_stores_labels_at_their_own_width(tmp_path):
    net = small_model()
    net.classes = np.array(["a", "b", "c"], dtype="<U50")
    path = save(net, tmp_path / "m.chainrule")
    assert meta_of(members(path))["classes_dtype"] == "<U1"
    assert load(path).classes.tolist() == ["a", "b", "c"]


@pytest.mark.parametrize(
    "classes, dtype",
    [([1, 2, 2**70], "<i8"), ([1, 2, 300], "|u1"), ([1, 2, 3], "|b1"), ([1e300, 2.0, 3.0], "<f4")],
)
def test_numeric_labels_that_do_not_fit_their_dtype_are_refused(good, tmp_path, classes, dtype):
    parts = members(good)
    meta = meta_of(parts)
    meta.update(classes=classes, classes_dtype=dtype)
    refused(write_members(tmp_path / "n.chainrule", with_meta(parts, meta)), "classes")


def test_a_npy_header_with_a_huge_shape_is_refused_before_reading(good, tmp_path):
    parts = members(good)
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        header, {"descr": "|u1", "fortran_order": False, "shape": (10**12,)}
    )
    parts["meta.npy"] = header.getvalue() + b"\0" * 64
    path = write_members(tmp_path / "h.chainrule", parts)
    refused(path, "meta", "truncated")
    assert peak_bytes_of_load(path) < 50 * path.stat().st_size


@pytest.mark.parametrize(
    "header",
    [
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), }   [",  # numpy: TokenError
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (5, 3), ",  # SyntaxError
        b"{'descr': '<U99999999999999999999', 'fortran_order': False, 'shape': (5, 3)}",
        b"{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (5, 3)}",
        b"{'descr': '<f8', 'fortran_order': 2, 'shape': (5, 3)}",
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (-5, -3)}",
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (" + b"9" * 5000 + b", 3)}",
        b"((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((",
    ],
)
def test_malformed_npy_headers_are_model_file_errors(good, tmp_path, header):
    parts = members(good)
    parts["W1.npy"] = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 8
    refused(write_members(tmp_path / "h.chainrule", parts), "W1")


# ---------------------------------------------------------------- numbers that give NaN or inf


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["scaler"]["scale"].__setitem__(0, 1e-320),
        lambda m: m["scaler"]["scale"].__setitem__(0, 0.0),
        lambda m: m["scaler"]["scale"].__setitem__(0, -1.0),
        lambda m: m["scaler"]["scale"].__setitem__(0, 10**400),
        lambda m: m["scaler"]["mean"].__setitem__(0, "1.0"),
        lambda m: m["scaler"]["mean"].__setitem__(0, True),
        lambda m: m["scaler"].update(dtype="float16"),
        lambda m: m["scaler"].update(mean=[[0.0, 1.0, 2.0]]),
    ],
)
def test_a_scaler_that_would_give_nan_or_inf_is_refused(good, tmp_path, edit):
    parts = members(good)
    meta = meta_of(parts)
    edit(meta)
    refused(write_members(tmp_path / "s.chainrule", with_meta(parts, meta)), "scaler")


@pytest.mark.parametrize("text", [b"1e-320", b"1e400", b"NaN", b"Infinity", b"-Infinity"])
def test_json_numbers_beyond_float_or_nan_are_refused(good, tmp_path, text):
    parts = members(good)
    meta = meta_of(parts)
    meta["scaler"]["scale"][1] = 123.0
    raw = json.dumps(meta).encode().replace(b"123.0", text)
    refused(
        write_members(tmp_path / "j.chainrule", with_meta(parts, raw)),
        "scaler" if text == b"1e-320" else "meta",
    )


def test_a_float32_scale_that_is_subnormal_in_float32_is_refused(tmp_path):
    path = save(small_model(np.float32), tmp_path / "f32.chainrule")
    parts = members(path)
    meta = meta_of(parts)
    meta["scaler"]["scale"][2] = 1e-40  # normal in float64, subnormal in float32
    refused(write_members(tmp_path / "s.chainrule", with_meta(parts, meta)), "scaler", "scale[2]")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(good, tmp_path, value):
    parts = members(good)
    W2 = np.load(io.BytesIO(parts["W2.npy"]))
    W2[1, 2] = value
    parts["W2.npy"] = npy(W2)
    refused(write_members(tmp_path / "w.chainrule", parts), "W2", "NaN or infinite")


def penguin_preprocessor():
    table = read_table(Path(__file__).parent / "data" / "penguins_sample.csv")
    return Preprocessor().fit(table, ["island", "bill_length_mm", "flipper_length_mm"])


@pytest.mark.parametrize(
    "key, value", [("scale", 1e-320), ("scale", 0.0), ("fill", 1e308), ("mean", 10**400)]
)
def test_a_preprocessor_that_would_give_nan_or_inf_is_refused(tmp_path, key, value):
    prep = penguin_preprocessor()
    net = cr.MLP([len(prep.output_names), 3, 1], seed=0)
    net.preprocessor = prep
    path = save(net, tmp_path / "p.chainrule")
    parts = members(path)
    meta = meta_of(parts)
    column = next(c for c in meta["preprocessor"]["columns"] if c["kind"] == "numeric")
    column.update({key: value, **({"mean": -1e308} if key == "fill" else {})})
    refused(write_members(tmp_path / "bad.chainrule", with_meta(parts, meta)), "preprocessor")
    with pytest.raises(DataError, match=repr(key)):
        Preprocessor.from_dict(meta["preprocessor"])


def test_a_preprocessor_with_more_categories_than_a_model_encodes_is_refused():
    d = penguin_preprocessor().to_dict()
    column = next(c for c in d["columns"] if c["kind"] == "onehot")
    column["categories"] = [f"c{i:04d}" for i in range(1000)]
    with pytest.raises(DataError, match="1000 categories"):
        Preprocessor.from_dict(d)


# ---------------------------------------------------------------- structure of the metadata


@pytest.mark.parametrize(
    "meta, field",
    [
        (b"[" * 50 + b"]" * 50, "meta"),
        (b'{"a":' * 200_000 + b"1" + b"}" * 200_000, "meta"),
        (b'{"format": "chainrule-model", "format_version": 1, "n": 1' + b"9" * 5000 + b"}", "meta"),
    ],
)
def test_deep_or_huge_json_is_refused(good, tmp_path, meta, field):
    refused(write_members(tmp_path / "j.chainrule", with_meta(members(good), meta)), field)


def test_more_layers_than_weight_entries_is_refused_before_reading(good, tmp_path):
    parts = members(good)
    meta = meta_of(parts)
    meta["config"]["layers"] = [{"n_in": 3, "n_out": 3, "activation": "tanh"}] * 100_000
    refused(write_members(tmp_path / "l.chainrule", with_meta(parts, meta)), "config.layers")


@pytest.mark.parametrize(
    "edit, field",
    [
        (lambda m: m.update(feature_names=[{"a": 1}, 2, 3]), "feature_names"),
        (lambda m: m.update(feature_names="xyz"), "feature_names"),
        (lambda m: m.update(target_name={"a": 1}), "target_name"),
        (lambda m: m.update(format_version=True), "format_version"),
        (lambda m: m["config"].update(dtype=["float64"]), "config.dtype"),
        (lambda m: m["config"]["layers"][0].update(n_in=True), "config.layers"),
        (lambda m: m["config"].update(loss=["x"]), "config"),
        (lambda m: m.update(history={"loss": [1, {"a": 1}]}), "history"),
    ],
)
def test_wrong_types_in_the_metadata_name_their_field(good, tmp_path, edit, field):
    parts = members(good)
    meta = meta_of(parts)
    edit(meta)
    refused(write_members(tmp_path / "t.chainrule", with_meta(parts, meta)), field)


# ---------------------------------------------------------------- the regression fixtures


@pytest.mark.parametrize(
    "name, fields",
    [
        ("d1_label_dtype_bomb.chainrule", ("classes_dtype",)),
        ("d1_scaler_dtype_bomb.chainrule", ("scaler",)),
        ("truncated.chainrule", ("archive",)),
        ("wrong_shape.chainrule", ("W1", "shape")),
        ("tiny_scale.chainrule", ("scaler", "scale[0]")),
        ("npy_header_token_error.chainrule", ("W1",)),
    ],
)
def test_the_saved_hostile_files_are_refused(name, fields):
    path = HOSTILE / name
    assert path.is_file()
    refused(path, *fields)
    assert peak_bytes_of_load(path) < 50 * path.stat().st_size + 1024


# ---------------------------------------------------------------- the mutation corpus


def json_edits(meta, rng):
    """``meta`` with one field (chosen by ``rng``) set to a hostile value."""
    values = [None, True, -1, 0, 2**64, -(2**63), 1e308, 1e-320, "", "x", [], {}, [1, 2], ["a"],
              {"a": 1}, [[1]], "<U500000000", "|O", "float16", "<U1", "<i8", 10**40]  # fmt: skip
    paths, stack = [], [((), meta)]
    while stack:
        at, value = stack.pop()
        paths.append(at)
        if isinstance(value, dict | list):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(((*at, k), v) for k, v in items)
    meta = copy.deepcopy(meta)
    at = paths[rng.integers(1, len(paths))]
    target = meta
    for key in at[:-1]:
        target = target[key]
    target[at[-1]] = copy.deepcopy(values[rng.integers(len(values))])
    return meta


def mutate(good_bytes, parts, meta, rng):
    """One seeded mutation: raw bytes flipped or cut, a member's bytes changed (its checksum
    rewritten), or a JSON field edited."""
    how = rng.integers(4)
    if how == 0:
        data = bytearray(good_bytes)
        for _ in range(rng.integers(1, 4)):
            data[rng.integers(len(data))] = rng.integers(256)
        return bytes(data)
    if how == 1:
        return good_bytes[: rng.integers(len(good_bytes))]
    if how == 2:
        name = list(parts)[rng.integers(len(parts))]
        data = bytearray(parts[name])
        for _ in range(rng.integers(1, 4)):
            data[rng.integers(min(len(data), 140))] = rng.choice(list(b"()[]{}'\",:0-9 \x00\xff"))
        return {**parts, name: bytes(data)}
    return with_meta(parts, json_edits(meta, rng))


def test_a_corpus_of_mutations_loads_finitely_or_is_a_model_file_error(good, tmp_path):
    good_bytes, parts = good.read_bytes(), members(good)
    meta = meta_of(parts)
    rng = np.random.default_rng(16)
    path = tmp_path / "mutant.chainrule"
    loaded = 0
    for _ in range(500):
        mutant = mutate(good_bytes, parts, meta, rng)
        if isinstance(mutant, bytes):
            path.write_bytes(mutant)
        else:
            write_members(path, mutant)
        loaded += check_loads_finitely_or_is_refused(path)
    assert 0 < loaded < 500  # the corpus reaches both outcomes


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["format_version", "config", "classes", "classes_dtype", "feature_names", "target_name",
          "scaler", "history", "preprocessor"]  # fmt: skip
INNER = [("config", "layers"), ("config", "loss"), ("config", "dtype"), ("config", "class"),
         ("scaler", "mean"), ("scaler", "scale"), ("scaler", "dtype")]  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(st.tuples(st.sampled_from(FIELDS + INNER), JSON), min_size=1, max_size=3))
def test_hypothesis_json_metadata_edits(good, tmp_path, edits):
    parts = members(good)
    meta = meta_of(parts)
    for field, value in edits:
        if isinstance(field, tuple):
            if isinstance(meta.get(field[0]), dict):
                meta[field[0]][field[1]] = value
        else:
            meta[field] = value
    check_loads_finitely_or_is_refused(
        write_members(tmp_path / "h.chainrule", with_meta(parts, meta))
    )
