"""Model files: an exact round trip, an atomic write, and a reader that refuses bad files safely.

A model file is an uncompressed npz: ``meta.npy`` (UTF-8 JSON as uint8) and ``W1.npy``, ``W2.npy``,
… Every damaged or hostile file must raise ModelFileError (a ValueError), never run code, and never
make the reader allocate more than the file holds.
"""

import io
import json
import os
import stat
import zipfile

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.scaling import Standardizer
from chainrule.io import modelfile
from chainrule.io.modelfile import FORMAT_VERSION, ModelFileError, load, save


def make_net(sizes=(4, 5, 3), output="softmax", dtype=np.float64, seed=0):
    net = cr.MLP(list(sizes), hidden="tanh", output=output, seed=seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    for W in net.weights:  # non-round values, so a lossy round trip would show
        W[...] = rng.standard_normal(W.shape).astype(dtype) / 3
    return net


def fitted_scaler(n_features, dtype=np.float64):
    rng = np.random.default_rng(1)
    return Standardizer().fit((rng.standard_normal((20, n_features)) * 7 + 3).astype(dtype))


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


# ---------------------------------------------------------------- the round trip


def test_round_trip_is_exact_with_string_classes_scaler_and_history(tmp_path):
    net = make_net()
    net.classes = np.array(["setosa", "versicolor", "virginica"])
    net.scaler = fitted_scaler(4)
    net.feature_names = ["sepal length", "sepal width", "petal length", "petal width"]
    net.target_name = "species"
    history = {"loss": [1.1, 0.5, 0.123456789012345], "val_loss": [1.2, 0.6, 0.2], "epochs": 3}
    path = save(net, tmp_path / "iris.chainrule", history=history)
    assert path == tmp_path / "iris.chainrule"

    back = cr.load(path)  # the user's load: io's, returning the class a user holds
    assert type(back) is cr.MLP and back.get_config() == net.get_config()
    for W, W_back in zip(net.weights, back.weights, strict=True):
        assert same_bits(W, W_back)
        assert W_back.flags.writeable and W_back.flags.c_contiguous
    assert same_bits(back.classes, net.classes)
    assert back.classes.dtype.kind == "U"
    assert same_bits(back.scaler.mean_, net.scaler.mean_)
    assert same_bits(back.scaler.scale_, net.scaler.scale_)
    assert back.feature_names == net.feature_names and back.target_name == "species"
    assert back.history == history  # JSON keeps every float exactly
    assert back.metadata["format_version"] == FORMAT_VERSION
    assert back.metadata["library_version"] == cr.__version__

    X = np.random.default_rng(2).standard_normal((6, 4)) * 7 + 3
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    assert set(back.predict(X)) <= set(net.classes)


@pytest.mark.parametrize(
    "classes",
    [np.array([0, 1]), np.array([3, 7]), np.array([False, True]), np.array([-1.5, 2.0])],
    ids=["ints", "other-ints", "bools", "floats"],
)
def test_round_trip_keeps_numeric_class_labels(tmp_path, classes):
    net = make_net((3, 4, 1), output="sigmoid")
    net.classes = classes
    back = load(save(net, tmp_path / "m.chainrule"))
    assert same_bits(back.classes, classes)
    X = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_object_class_labels_are_stored_as_their_plain_type(tmp_path):
    net = make_net()
    net.classes = np.array(["a", "b", "c"], dtype=object)  # as a pandas column gives them
    back = load(save(net, tmp_path / "m.chainrule"))
    np.testing.assert_array_equal(back.classes, ["a", "b", "c"])
    assert back.classes.dtype.kind == "U"


def test_round_trip_float32_keeps_float32_everywhere(tmp_path):
    net = make_net((3, 6, 2), output="softmax", dtype=np.float32)
    net.scaler = fitted_scaler(3, np.float32)
    back = load(save(net, tmp_path / "m32.chainrule"))
    assert back.dtype == np.float32
    for W, W_back in zip(net.weights, back.weights, strict=True):
        assert same_bits(W, W_back)
    assert same_bits(back.scaler.mean_, net.scaler.mean_)
    X = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    assert back.predict_proba(X).dtype == np.float32
    np.testing.assert_array_equal(back.predict_proba(X), net.predict_proba(X))


def test_regression_network_without_extras(tmp_path):
    net = make_net((2, 3, 1), output="identity")
    back = load(save(net, str(tmp_path / "r.chainrule")))  # a str path works too
    assert back.loss == "squared_error" and back.task == "regression"
    assert back.classes is None and back.scaler is None and back.feature_names is None
    assert back.history is None and back.target_name is None


def test_sequential_round_trip(tmp_path):
    layers = [cr.Dense(2, 3, activation="relu", seed=0), cr.Dense(3, 1, activation="sigmoid")]
    net = cr.Sequential(layers)
    back = cr.load(save(net, tmp_path / "s.chainrule"))
    assert type(back) is cr.Sequential and back.activations == ["relu", "sigmoid"]
    assert all(same_bits(a, b) for a, b in zip(net.weights, back.weights, strict=True))


def test_history_object_and_non_finite_values(tmp_path):
    class History:  # what fit returns: anything with to_dict()
        def to_dict(self):
            return {"loss": [0.7, float("nan"), np.float64(np.inf)], "best_epoch": np.int64(1)}

    net = make_net()
    net.history = History()
    back = load(save(net, tmp_path / "h.chainrule"))
    assert back.history == {"loss": [0.7, None, None], "best_epoch": 1}


def test_network_save_method_and_the_file_is_an_uncompressed_npz(tmp_path):
    net = make_net()
    path = net.save(tmp_path / "m.chainrule")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["W1.npy", "W2.npy", "meta.npy"]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    with np.load(path, allow_pickle=False) as npz:  # plain numpy can read it too
        meta = json.loads(npz["meta"].tobytes().decode("utf-8"))
        assert same_bits(npz["W2"], net.weights[1])
    assert meta["format"] == "chainrule-model" and meta["format_version"] == 1


def test_saved_file_has_a_normal_mode_not_mkstemps_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = save(make_net(), tmp_path / "m.chainrule")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


# ---------------------------------------------------------------- the atomic write


def test_a_failing_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = save(make_net(seed=0), tmp_path / "m.chainrule")
    before = path.read_bytes()

    def half_then_fail(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        save(make_net(seed=1), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.chainrule"]
    monkeypatch.undo()
    assert same_bits(load(path).weights[0], make_net(seed=0).weights[0])


def test_an_interrupted_write_also_cleans_up(tmp_path, monkeypatch):
    path = save(make_net(seed=0), tmp_path / "m.chainrule")
    before = path.read_bytes()

    def interrupted(f, **arrays):
        f.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save(make_net(seed=1), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.chainrule"]


def test_a_failing_first_write_leaves_nothing(tmp_path, monkeypatch):
    def fail(f, **arrays):
        raise OSError("boom")

    monkeypatch.setattr(np, "savez", fail)
    with pytest.raises(OSError):
        save(make_net(), tmp_path / "new.chainrule")
    assert os.listdir(tmp_path) == []


def test_saving_into_a_missing_folder_says_so(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        save(make_net(), tmp_path / "no" / "such" / "m.chainrule")


def test_non_finite_weights_are_refused_and_the_old_file_kept(tmp_path):
    path = save(make_net(), tmp_path / "m.chainrule")
    before = path.read_bytes()
    net = make_net()
    net.weights[1][0, 0] = np.nan
    with pytest.raises(ModelFileError, match=r"W2 holds NaN.*diverged"):
        save(net, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.chainrule"]


# ---------------------------------------------------------------- bad and hostile files


def saved_parts(tmp_path, net=None):
    """(meta dict, {name: array}) of a real model file, to alter and write back."""
    path = save(net or make_net(), tmp_path / "good.chainrule")
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    return meta, arrays


def write_archive(path, meta, arrays, compression=zipfile.ZIP_STORED):
    """An npz written by hand: ``meta`` (a dict, raw bytes, or an array) plus ``arrays``."""
    members = dict(arrays)
    if isinstance(meta, dict):
        meta = json.dumps(meta).encode("utf-8")
    if isinstance(meta, bytes):
        meta = np.frombuffer(meta, dtype=np.uint8)
    if meta is not None:
        members = {"meta": meta, **members}
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, array in members.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asanyarray(array), allow_pickle=True)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


class Planted:
    """Unpickling this creates the marker folder: proof that the reader ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def refused(path, match=None):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert str(path) in str(info.value)
    return info.value


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    marker = tmp_path / "code-ran"
    meta, arrays = saved_parts(tmp_path)
    W1 = np.empty(arrays["W1"].shape, dtype=object)
    W1[...] = Planted(marker)
    refused(write_archive(tmp_path / "w.chainrule", meta, {**arrays, "W1": W1}), "W1 holds object")
    hostile_meta = np.array([Planted(marker)], dtype=object)
    refused(write_archive(tmp_path / "m.chainrule", hostile_meta, arrays), "meta holds object")
    assert not marker.exists()
    # and numpy itself would have run the code: the planted payload is real
    with np.load(tmp_path / "w.chainrule", allow_pickle=True) as npz:
        npz["W1"]
    assert marker.exists()


def test_a_huge_declared_architecture_is_refused_without_allocating(tmp_path):
    meta, arrays = saved_parts(tmp_path)
    meta["config"]["layers"][0] = {"n_in": 9_999_999, "n_out": 9_999_999, "activation": "tanh"}
    # a .npy header that claims the matching (80 TB) shape, followed by a few bytes
    header = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10_000_000, 9_999_999)}
    )
    with zipfile.ZipFile(tmp_path / "huge.chainrule", "w") as archive:
        archive.writestr("meta.npy", _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8)))
        archive.writestr("W1.npy", header.getvalue() + b"\0" * 64)
        archive.writestr("W2.npy", _npy(arrays["W2"]))
    refused(tmp_path / "huge.chainrule", "truncated")


def test_a_npy_header_claiming_a_huge_shape_is_refused(tmp_path):
    meta, arrays = saved_parts(tmp_path)
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**9, 10**9)}
    )
    with zipfile.ZipFile(tmp_path / "h.chainrule", "w") as archive:
        archive.writestr("meta.npy", _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8)))
        archive.writestr("W1.npy", header.getvalue())
        archive.writestr("W2.npy", _npy(arrays["W2"]))
    refused(tmp_path / "h.chainrule", r"W1 has shape \(1000000000, 1000000000\)")


def test_a_zip_entry_declaring_a_huge_size_is_refused(tmp_path):
    path = save(make_net(), tmp_path / "m.chainrule")
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the central directory's first entry (meta.npy)
    data[entry + 24 : entry + 28] = (0xFFFF_FFF0).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    refused(path, "claims")


def test_compressed_members_are_refused(tmp_path):
    meta, arrays = saved_parts(tmp_path, make_net((30, 40, 3)))
    arrays["W1"] = np.zeros_like(arrays["W1"])  # a zip bomb in miniature
    path = write_archive(tmp_path / "z.chainrule", meta, arrays, zipfile.ZIP_DEFLATED)
    refused(path, "compressed")


@pytest.mark.parametrize("version", [99, 2, 0, "1", None])
def test_other_format_versions_are_refused(tmp_path, version):
    meta, arrays = saved_parts(tmp_path)
    meta["format_version"] = version
    err = refused(write_archive(tmp_path / "v.chainrule", meta, arrays), "format version")
    assert ("upgrade chainrule" in str(err)) == (version in (99, 2))


def test_random_bytes_empty_and_truncated_files(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "random.chainrule").write_bytes(rng.bytes(4096))
    refused(tmp_path / "random.chainrule", "not a readable")
    (tmp_path / "empty.chainrule").write_bytes(b"")
    refused(tmp_path / "empty.chainrule", "not a readable")
    good = save(make_net((8, 16, 3)), tmp_path / "good.chainrule").read_bytes()
    for n in [1, 22, len(good) // 3, len(good) // 2, len(good) - 30, len(good) - 1]:
        cut = tmp_path / f"cut{n}.chainrule"
        cut.write_bytes(good[:n])
        refused(cut)


def test_a_corrupted_weight_is_caught_by_the_zip_checksum(tmp_path):
    path = save(make_net((8, 16, 3)), tmp_path / "m.chainrule")
    data = bytearray(path.read_bytes())
    at = data.index(b"W1.npy") + 200  # inside W1's data
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    refused(path, "corrupt")


def test_missing_entries(tmp_path):
    meta, arrays = saved_parts(tmp_path)
    refused(write_archive(tmp_path / "a.chainrule", meta, {"W1": arrays["W1"]}), "W2 are missing")
    refused(write_archive(tmp_path / "b.chainrule", None, arrays), "no meta")
    refused(tmp_path / "nowhere.chainrule", "no such model file")
    refused(tmp_path, "no such model file")  # a folder is not a model file


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m, a: a.update(W1=a["W1"][:-1]), r"W1 has shape"),
        (lambda m, a: a.update(W2=a["W2"].T.copy()), r"W2 has shape"),
        (lambda m, a: a.update(W2=a["W2"].astype(np.float32)), r"W2 holds float32"),
        (lambda m, a: a.update(W2=a["W2"].astype(np.int64)), r"W2 holds int64"),
        (lambda m, a: a["W1"].__setitem__((0, 0), np.nan), r"W1 holds NaN"),
        (lambda m, a: m["config"].update(dtype="float16"), r"unsupported dtype"),
        (lambda m, a: m["config"].update(layers=[]), r"no valid list of layers"),
        (lambda m, a: m["config"]["layers"][0].update(n_in=-3), r"no valid list of layers"),
        (lambda m, a: m["config"]["layers"][0].update(activation="gelu"), r"architecture"),
        (lambda m, a: m["config"].pop("loss"), r"architecture"),
        (lambda m, a: m.update(format="something-else"), r"not a chainrule model"),
        (lambda m, a: m.update(classes=["x"], classes_dtype="<U1"), r"classes or scaler"),
        (lambda m, a: m.update(classes=[1, 2], classes_dtype="|O"), r"classes or scaler"),
        (lambda m, a: m.update(scaler={"mean": [0.0], "scale": [1.0]}), r"classes or scaler"),
        (
            lambda m, a: m.update(scaler={"mean": [0.0] * 4, "scale": [1.0, 0.0, 1.0, 1.0]}),
            r"classes or scaler",
        ),
        (lambda m, a: m.update(feature_names=["a", "b"]), r"2 feature names"),
    ],
)
def test_inconsistent_contents_are_refused(tmp_path, change, match):
    meta, arrays = saved_parts(tmp_path)
    change(meta, arrays)
    refused(write_archive(tmp_path / "bad.chainrule", meta, arrays), match)


@pytest.mark.parametrize(
    "meta, match",
    [
        (b"\xff\xfe not utf-8", "not valid JSON"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2, 3]", "not a chainrule model"),
        (b"[" * 100_000 + b"]" * 100_000, "not a readable|not valid JSON"),
        (np.zeros((2, 2), np.uint8), "a 1-D array"),
        (np.zeros(3, np.float64), "meta holds float64"),
    ],
)
def test_bad_metadata_is_refused(tmp_path, meta, match):
    _, arrays = saved_parts(tmp_path)
    refused(write_archive(tmp_path / "m.chainrule", meta, arrays), match)


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def test_model_file_error_is_a_value_error_and_a_chainrule_error():
    assert issubclass(ModelFileError, ValueError) and issubclass(ModelFileError, cr.ChainruleError)
    assert modelfile.ModelFileError is ModelFileError


def test_labels_a_model_file_cannot_store_are_refused_before_anything_is_written(tmp_path):
    X = np.random.default_rng(0).standard_normal((20, 2))
    y = np.array([b"no", b"yes"])[(X[:, 0] > 0).astype(int)]
    net = cr.MLP([2, 3, 1], seed=0)
    net.fit(X, y, epochs=1, verbose=0)
    assert set(net.predict(X)) <= {b"no", b"yes"}  # in memory, bytes labels work
    path = tmp_path / "m.chainrule"
    with pytest.raises(ModelFileError, match=r"class labels \(np.bytes_\(b'no'\).*dtype \|S"):
        net.save(path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        ({"scaler": "x"}, "classes or scaler are not valid"),
        ({"scaler": {"mean": [0.0] * 4}}, "classes or scaler are not valid"),
        ({"history": [1, 2, 3]}, "history is not valid: expected an object"),
        ({"history": "hello"}, "history is not valid"),
        ({"history": {"loss": "abc"}}, "loss must be a list of numbers"),
        ({"history": {"loss": [1.0, True]}}, "loss must be a list of numbers"),
        ({"history": {"metrics": [1]}}, "metrics must map names to lists"),
        ({"history": {"metrics": {"accuracy": ["x"]}}}, "metrics must map"),
        ({"history": {"epochs_run": "3"}}, "epochs_run must be a number"),
        ({"history": {"stop_reason": 7}}, "stop_reason must be text"),
        ({"classes": ["a", "a", "b"], "classes_dtype": "<U1"}, "not a list of distinct labels"),
        ({"classes": ["a", "b"], "classes_dtype": "<U1"}, "2 class labels for a multiclass"),
    ],
    ids=lambda v: str(v)[:40],
)
def test_hand_edited_classes_scaler_and_history_are_refused(tmp_path, edit, match):
    net = make_net()  # 4 inputs, 3 softmax outputs
    net.classes = np.array(["a", "b", "c"])
    net.scaler = fitted_scaler(4)
    meta, arrays = saved_parts(tmp_path, net)
    meta.update(edit)
    refused(write_archive(tmp_path / "edited.chainrule", meta, arrays), match)


def test_a_binary_model_with_three_labels_is_refused(tmp_path):
    net = make_net(sizes=(4, 3, 1), output="sigmoid")
    meta, arrays = saved_parts(tmp_path, net)
    meta.update(classes=["a", "b", "c"], classes_dtype="<U1")
    refused(write_archive(tmp_path / "edited.chainrule", meta, arrays), "3 class labels for a bin")
    meta.update(classes=["no", "yes"], classes_dtype="<U3")  # two: fine
    back = load(write_archive(tmp_path / "ok.chainrule", meta, arrays))
    assert back.classes.tolist() == ["no", "yes"]


def test_labels_that_load_would_refuse_are_not_saved(tmp_path):
    net = make_net(sizes=(4, 3, 1), output="sigmoid")
    for labels, match in ((["a", "b", "c"], "3 class labels for a binary"), (["a", "a"], "dist")):
        net.classes = np.array(labels)
        with pytest.raises(ModelFileError, match=match):
            save(net, tmp_path / "m.chainrule")
    assert list(tmp_path.iterdir()) == []
    net.classes = np.array(["no", "yes"])
    assert load(save(net, tmp_path / "m.chainrule")).classes.tolist() == ["no", "yes"]
    reg = cr.MLP([4, 3, 1], output="sigmoid", loss="squared_error", seed=0)
    reg.classes = np.array(["no", "yes"])
    assert load(save(reg, tmp_path / "r.chainrule")).classes.tolist() == ["no", "yes"]
