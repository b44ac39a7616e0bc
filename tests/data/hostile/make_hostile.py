"""Write the hostile model files in this folder (run from the repository root:
``.venv/bin/python tests/data/hostile/make_hostile.py``). Each is loaded by
``tests/test_modelfile_hostile.py``; see README.md for what each one is."""

import io
import json
import zipfile
from pathlib import Path

import numpy as np

import chainrule as cr
from chainrule.data.scaling import Standardizer

HERE = Path(__file__).parent


def npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write(name, parts):
    with zipfile.ZipFile(HERE / name, "w") as archive:
        for member, data in parts.items():
            archive.writestr(member, data)


def main():
    net = cr.MLP([3, 4, 3], hidden="tanh", output="softmax", seed=0)
    net.classes = np.array(["ab", "cde", "f"])
    net.scaler = Standardizer().fit(np.random.default_rng(0).standard_normal((10, 3)))
    good = HERE / "good.tmp"
    net.save(good)
    with zipfile.ZipFile(good) as archive:
        parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
    good_bytes = good.read_bytes()
    good.unlink()
    meta = json.loads(np.load(io.BytesIO(parts["meta.npy"])).tobytes())

    def with_meta(edit):
        m = json.loads(json.dumps(meta))
        edit(m)
        return {**parts, "meta.npy": npy(np.frombuffer(json.dumps(m).encode(), np.uint8))}

    write(
        "d1_label_dtype_bomb.chainrule", with_meta(lambda m: m.update(classes_dtype="<U500000000"))
    )
    write(
        "d1_scaler_dtype_bomb.chainrule",
        with_meta(lambda m: m["scaler"].update(dtype="<U500000000")),
    )
    write("tiny_scale.chainrule", with_meta(lambda m: m["scaler"]["scale"].__setitem__(0, 1e-320)))
    (HERE / "truncated.chainrule").write_bytes(good_bytes[: len(good_bytes) // 2])
    W1 = np.load(io.BytesIO(parts["W1.npy"]))
    write("wrong_shape.chainrule", {**parts, "W1.npy": npy(W1[:-1])})
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }   ["
    token = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + b"\0" * 128
    write("npy_header_token_error.chainrule", {**parts, "W1.npy": token})


if __name__ == "__main__":
    main()
