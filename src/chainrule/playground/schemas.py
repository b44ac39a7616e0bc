"""The playground API's bodies as OpenAPI 3.0 schemas: the setup, a snapshot, a session's state.

:data:`SCHEMAS` is the ``components/schemas`` section of the document that
:mod:`chainrule.playground.openapi` builds; the paths refer to its entries with :func:`ref`.
Bounds and choices come from :mod:`chainrule.playground.setup`, so the schema and the checks the
server makes cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from chainrule.playground.inputs import INPUTS
from chainrule.playground.session import MAX_STEPS
from chainrule.playground.setup import ACTIVATIONS, DATASETS, LIMITS, OPTIMIZERS, OUTPUTS, Config

__all__ = ["SCHEMAS", "ref"]


def ref(name: str) -> dict[str, str]:
    """A reference to the schema ``name`` in :data:`SCHEMAS`."""
    return {"$ref": f"#/components/schemas/{name}"}


def _number(key: str, kind: str = "number") -> dict[str, Any]:
    lo, hi = LIMITS[key]
    if kind == "integer":
        lo, hi = int(lo), int(hi)
    return {"type": kind, "minimum": lo, "maximum": hi, "default": getattr(Config(), key)}


def _config_schema() -> dict[str, Any]:
    d = Config()
    units = {"type": "integer", "minimum": int(LIMITS["units"][0]), "maximum": LIMITS["units"][1]}
    return {
        "type": "object",
        "description": "A whole setup; every field is optional and defaults as shown. "
        "dataset 'csv' needs 'upload' (the id from POST /api/uploads).",
        "additionalProperties": False,
        "properties": {
            "dataset": {"type": "string", "enum": list(DATASETS), "default": d.dataset},
            "n_samples": _number("n_samples", "integer"),
            "noise": _number("noise"),
            "n_classes": _number("n_classes", "integer"),
            "test_ratio": _number("test_ratio"),
            "seed": _number("seed", "integer"),
            "upload": {"type": "string", "nullable": True, "minLength": 1, "maxLength": 64},
            "standardize": {
                "type": "boolean",
                "nullable": True,
                "default": d.standardize,
                "description": "null: on for an uploaded CSV, off for generated data",
            },
            "features": {
                "type": "array",
                "items": {"type": "string", "enum": list(INPUTS)},
                "minItems": 1,
                "default": list(d.features),
                "description": "the network's inputs, made from the 2-D data's x1 and x2",
            },
            "hidden": {
                "type": "array",
                "items": units,
                "maxItems": int(LIMITS["layers"][1]),
                "default": list(d.hidden),
            },
            "activation": {"type": "string", "enum": list(ACTIVATIONS), "default": d.activation},
            "output": {"type": "string", "enum": list(OUTPUTS), "default": d.output},
            "optimizer": {"type": "string", "enum": list(OPTIMIZERS), "default": d.optimizer},
            "lr": _number("lr"),
            "batch_size": _number("batch_size", "integer"),
            "l2": _number("l2"),
            "l1": _number("l1"),
        },
    }


_NUMBER_OR_NULL = {"type": "number", "nullable": True}
_METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
_HEATMAP = {
    "type": "object",
    "description": "size × size bytes (0..255 standing for lo..hi), base64, row 0 at the top",
    "required": ["size", "lo", "hi", "data"],
    "properties": {
        "size": {"type": "integer"},
        "lo": {"type": "number"},
        "hi": {"type": "number"},
        "data": {"type": "string", "format": "byte"},
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "what is wrong and what to do"},
            "field": {"type": "string", "nullable": True, "description": "the setting at fault"},
        },
    },
    "Config": _config_schema(),
    "StepRequest": {
        "type": "object",
        "required": ["steps"],
        "additionalProperties": False,
        "properties": {"steps": {"type": "integer", "minimum": 1, "maximum": MAX_STEPS}},
    },
    "SetWeight": {
        "type": "object",
        "required": ["weight", "value"],
        "additionalProperties": False,
        "properties": {
            "weight": {"type": "string", "description": "e.g. W1[1,1] (1-based, bias last row)"},
            "value": {"type": "number", "minimum": -1e3, "maximum": 1e3},
        },
    },
    "Heatmap": _HEATMAP,
    "Snapshot": {
        "type": "object",
        "required": ["step", "epoch", "diverged", "metrics", "history", "weights", "heatmaps"],
        "properties": {
            "step": {"type": "integer", "minimum": 0},
            "epoch": {"type": "number"},
            "diverged": {"type": "boolean"},
            "metrics": {
                "type": "object",
                "properties": dict.fromkeys(_METRICS, _NUMBER_OR_NULL),
            },
            "history": {
                "type": "object",
                "description": "the loss curves: training step, train and test loss per point",
                "properties": {
                    "step": {"type": "array", "items": {"type": "integer"}},
                    "train": {"type": "array", "items": _NUMBER_OR_NULL},
                    "test": {"type": "array", "items": _NUMBER_OR_NULL},
                },
            },
            "weights": {
                "type": "array",
                "description": "W1, W2, …: each (n_in + 1) rows × n_out columns, bias last row",
                "items": {"type": "array", "items": {"type": "array", "items": _NUMBER_OR_NULL}},
            },
            "heatmaps": {
                "type": "object",
                "nullable": True,
                "description": "null unless the data has 2 features",
                "properties": {
                    "extent": {"type": "array", "items": {"type": "number"}},
                    "output": {"type": "object"},
                    "units": {
                        "type": "array",
                        "items": {"type": "array", "items": ref("Heatmap")},
                    },
                },
            },
        },
    },
    "State": {
        "type": "object",
        "required": ["id", "config", "data", "network", "snapshot"],
        "properties": {
            "id": {"type": "string"},
            "config": ref("Config"),
            "data": {"type": "object"},
            "network": {
                "type": "object",
                "properties": {
                    "sizes": {"type": "array", "items": {"type": "integer"}},
                    "activations": {"type": "array", "items": {"type": "string"}},
                    "loss": {"type": "string"},
                    "output": {"type": "string"},
                    "standardized": {"type": "boolean"},
                },
            },
            "snapshot": ref("Snapshot"),
        },
    },
    "Explanation": {
        "type": "object",
        "required": ["step", "explanation", "text", "audit"],
        "properties": {
            "step": {"type": "integer", "description": "the training step it was computed at"},
            "explanation": {
                "type": "object",
                "description": "cr.explain(...).to_dict(): schema 'chainrule.explain' version 1 "
                "(docs/explain-schema.md)",
            },
            "audit": {
                "type": "object",
                "description": "one step of the session's own optimizer on the sample, on a "
                "copy: optimizer, lr, l2, l1, weight, gradient, new_weight, update, sgd_update, "
                "error_before, error_after",
            },
            "text": {
                "type": "string",
                "description": "the same explanation as the terminal "
                "prints it (Explanation.to_text())",
            },
        },
    },
    "Upload": {
        "type": "object",
        "required": ["id", "filename", "bytes", "n_samples", "n_features", "task"],
        "properties": {
            "id": {"type": "string"},
            "filename": {"type": "string"},
            "bytes": {"type": "integer"},
            "n_samples": {"type": "integer"},
            "n_features": {"type": "integer"},
            "feature_names": {"type": "array", "items": {"type": "string"}},
            "target_name": {"type": "string"},
            "task": {"type": "string", "enum": ["binary", "multiclass", "regression"]},
            "classes": {"type": "array", "nullable": True, "items": {"type": "string"}},
            "columns": {
                "type": "array",
                "items": {"type": "string"},
                "description": "every column of the file, in order: the choices of target",
            },
            "dropped_rows": {
                "type": "integer",
                "description": "rows left out because their target is missing",
            },
            "notes": {"type": "array", "items": {"type": "string"}},
        },
    },
}
