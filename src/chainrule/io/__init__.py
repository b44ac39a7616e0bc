"""Everything that leaves or enters chainrule as a file or another library's object.

io owns the model file (:mod:`~chainrule.io.modelfile`: one versioned ``.npz`` format, written
atomically and read without pickle), interop with scikit-learn's ``coefs_``/``intercepts_`` and
PyTorch's ``nn.Linear`` modules (:mod:`~chainrule.io.interop`), a PyTorch ``state_dict`` and
safetensors files (:mod:`~chainrule.io.torch_io`), ONNX export (:mod:`~chainrule.io.onnx_export`;
a model's preprocessing as graph nodes in :mod:`~chainrule.io.onnx_preprocess`), and the atomic
file writes every user-facing file goes through (:mod:`~chainrule.io.atomic`). It
sits above the network floor and may import only ``chainrule.engine``, ``chainrule.data``,
``chainrule.nn``, ``chainrule.errors`` and ``chainrule.version``: never training, models, the
command line or any printing; the network it takes is any :class:`chainrule.nn.protocol.Network`.
"""
