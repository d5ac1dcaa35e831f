"""Typed dataclasses <-> JSON data, driven by their type hints, checking every field on the
way in. Used for the project file (serialize.py) and the settings file (settings.py).

A field added to a dataclass is saved and loaded without touching this file. The JSON
shapes: `Fraction` is text ("24000/1001", "24"), an `Enum` is its value, a tuple is a list, a
member of a union of dataclasses carries `"type": "<class name in lower case>"`, `JobQueue`
is the plain list of its jobs, and a field typed `Any` holds JSON data only. Fields with
`compare=False` (signal groups) are not data and are skipped.

Reading is strict: every field present, the right type, no unknown field. A mistake raises
`FieldError` with the dotted path to it (`shots[2].settings.frames`) and the problem
(`must be a whole number, not "abc"`). For speed with large projects each type gets its
encoder and decoder built once; paths are only assembled when something is wrong.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Callable
from enum import Enum
from fractions import Fraction
from typing import Any

from studio.core.jobs import Job, JobQueue

__all__ = ["TYPE_KEY", "FieldError", "decode", "encode", "shown"]

# Union members that are dataclasses are told apart by this key.
TYPE_KEY = "type"

Func = Callable[[Any], Any]


class FieldError(Exception):
    """A value that does not fit its field. `where` is the path to it ("" for the root)."""

    def __init__(self, problem: str, part: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self._parts: list[str] = [part] if part else []

    def inside(self, part: str) -> FieldError:
        self._parts.append(part)
        return self

    @property
    def where(self) -> str:
        return "".join(reversed(self._parts)).lstrip(".")


def shown(value: Any) -> str:
    """A short picture of a wrong value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        # JSON quoting escapes line breaks and control characters: the message stays one line.
        text = value if len(value) <= 40 else value[:37] + "..."
        return json.dumps(text, ensure_ascii=False)
    return repr(value)[:40]


def key_part(key: str) -> str:
    """A path step for a mapping key: `.name`, or `["odd key"]` when it is not a plain name."""
    return f".{key}" if key.isidentifier() else f"[{shown(str(key))}]"


def _saved_fields(cls: type) -> list[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.compare]


def _union_members(hint: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(hint)
    return None


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, Enum)


def _cached(cache: dict[Any, Func], build: Callable[[Any], Func], hint: Any) -> Func:
    func = cache.get(hint)
    if func is None:
        # A stand-in first, so a type that contains itself does not recurse forever.
        box: list[Func] = []
        cache[hint] = lambda value: box[0](value)
        box.append(build(hint))
        cache[hint] = func = box[0]
    return func


def _items(func: Func, values: list | tuple) -> list:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(func(value))
        except FieldError as exc:
            raise exc.inside(f"[{i}]") from None
    return out


# -- encoding: model -> JSON data --------------------------------------------------------

_ENCODERS: dict[Any, Func] = {}


def _json_value(value: Any) -> Any:
    """A field typed Any: JSON data only (tuples become lists)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise FieldError(f"must be a finite number, not {value}")
        return value
    if isinstance(value, (list, tuple)):
        return _items(_json_value, value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise FieldError(f"has a key {key!r} that is not text")
            try:
                out[key] = _json_value(item)
            except FieldError as exc:
                raise exc.inside(key_part(key)) from None
        return out
    raise FieldError(f"holds a {type(value).__name__}, which a JSON file cannot store")


def _fraction_text(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def _float_data(value: float) -> float:
    if not math.isfinite(value):
        raise FieldError(f"must be a finite number, not {value}")
    return float(value)


def _build_encoder(hint: Any) -> Func:
    if hint is Any:
        return _json_value
    members = _union_members(hint)
    if members is not None:
        classes = [m for m in members if m is not type(None)]
        if len(classes) == 1:
            inner = encoder(classes[0])
            return lambda value: None if value is None else inner(value)
        tagged = [(c, c.__name__.lower(), encoder(c)) for c in classes]

        def union(value: Any) -> Any:
            if value is None:
                return None
            for cls, tag, func in tagged:
                if isinstance(value, cls):
                    return {TYPE_KEY: tag, **func(value)}
            raise FieldError(f"holds a {type(value).__name__}, which this field cannot")

        return union
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            funcs = [encoder(a) for a in args]
            return lambda value: [f(v) for f, v in zip(funcs, value)]
        item = encoder(args[0])
        return lambda value: _items(item, value)
    if origin is dict:
        item = encoder(typing.get_args(hint)[1])

        def mapping(value: dict) -> dict:
            out = {}
            for key, v in value.items():
                try:
                    out[str(key)] = item(v)
                except FieldError as exc:
                    raise exc.inside(key_part(key)) from None
            return out

        return mapping
    if hint is JobQueue:
        jobs = encoder(list[Job])
        return lambda value: jobs(value.jobs)
    if dataclasses.is_dataclass(hint):
        fields = [(name, encoder(t)) for name, t in _saved_fields(hint)]

        def record(value: Any) -> dict:
            out = {}
            for name, func in fields:
                try:
                    out[name] = func(getattr(value, name))
                except FieldError as exc:
                    raise exc.inside(f".{name}") from None
            return out

        return record
    if hint is Fraction:
        return _fraction_text
    if _is_enum(hint):
        return lambda value: hint(value).value
    if hint is float:
        return _float_data
    return lambda value: value


def encoder(hint: Any) -> Func:
    return _cached(_ENCODERS, _build_encoder, hint)


def encode(value: Any, hint: Any) -> Any:
    """`value` of type `hint` as JSON data. Raises FieldError for what JSON cannot hold."""
    return encoder(hint)(value)


# -- decoding: JSON data -> model --------------------------------------------------------

_DECODERS: dict[Any, Func] = {}


def _bool(data: Any) -> bool:
    if data is True or data is False:
        return data
    raise FieldError(f"must be true or false, not {shown(data)}")


def _int(data: Any) -> int:
    if type(data) is int:
        return data
    raise FieldError(f"must be a whole number, not {shown(data)}")


def _float(data: Any) -> float:
    if type(data) is float or type(data) is int:
        return float(data)
    raise FieldError(f"must be a number, not {shown(data)}")


def _str(data: Any) -> str:
    if type(data) is str:
        return data
    raise FieldError(f"must be text, not {shown(data)}")


def _fraction(data: Any) -> Fraction:
    if type(data) is str and "." not in data and "e" not in data.lower():
        try:
            return Fraction(data)
        except (ValueError, ZeroDivisionError):
            pass
    raise FieldError(f'must be a fraction written like "24" or "24000/1001", not {shown(data)}')


def _list_of(item: Func) -> Func:
    def decode_list(data: Any) -> list:
        if type(data) is not list:
            raise FieldError(f"must be a list, not {shown(data)}")
        return _items(item, data)

    return decode_list


def _build_dataclass_decoder(cls: type) -> Func:
    fields = [(name, decoder(t)) for name, t in _saved_fields(cls)]
    names = {name for name, _ in fields}

    def record(data: Any) -> Any:
        if type(data) is not dict:
            raise FieldError(f"must be an object, not {shown(data)}")
        if len(data) != len(fields) or not names.issuperset(data):
            unknown = [k for k in data if k not in names]
            if unknown:
                raise FieldError(f"has an unknown field {shown(unknown[0])}")
            missing = next(name for name, _ in fields if name not in data)
            raise FieldError("is missing", f".{missing}")
        kwargs = {}
        for name, func in fields:
            try:
                kwargs[name] = func(data[name])
            except FieldError as exc:
                raise exc.inside(f".{name}") from None
        try:
            return cls(**kwargs)
        except ValueError as exc:  # the model's own check, e.g. a negative FrameRange
            raise FieldError(f"is not valid: {exc}") from None

    return record


def _build_decoder(hint: Any) -> Func:
    if hint is Any:
        return lambda data: data
    members = _union_members(hint)
    if members is not None:
        classes = [m for m in members if m is not type(None)]
        optional = len(classes) < len(members)
        if len(classes) == 1:
            inner = decoder(classes[0])
            if not optional:
                return inner
            return lambda data: None if data is None else inner(data)
        tags = {c.__name__.lower(): decoder(c) for c in classes}
        choices = " or ".join(f'"{t}"' for t in tags)

        def union(data: Any) -> Any:
            if data is None and optional:
                return None
            if type(data) is not dict:
                raise FieldError(f"must be an object, not {shown(data)}")
            tag = data.get(TYPE_KEY)
            func = tags.get(tag) if isinstance(tag, str) else None
            if func is None:
                raise FieldError(f"must be {choices}, not {shown(tag)}", f".{TYPE_KEY}")
            return func({k: v for k, v in data.items() if k != TYPE_KEY})

        return union
    origin = typing.get_origin(hint)
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            funcs = [decoder(a) for a in args]

            def fixed(data: Any) -> tuple:
                if type(data) is not list or len(data) != len(funcs):
                    raise FieldError(f"must be a list of {len(funcs)} values, not {shown(data)}")
                out = []
                for i, (func, value) in enumerate(zip(funcs, data)):
                    try:
                        out.append(func(value))
                    except FieldError as exc:
                        raise exc.inside(f"[{i}]") from None
                return tuple(out)

            return fixed
        as_list = _list_of(decoder(args[0]))
        return as_list if origin is list else lambda data: tuple(as_list(data))
    if origin is dict:
        item = decoder(typing.get_args(hint)[1])

        def mapping(data: Any) -> dict:
            if type(data) is not dict:
                raise FieldError(f"must be an object, not {shown(data)}")
            out = {}
            for key, value in data.items():
                try:
                    out[key] = item(value)
                except FieldError as exc:
                    raise exc.inside(key_part(key)) from None
            return out

        return mapping
    if hint is JobQueue:
        jobs = decoder(list[Job])
        return lambda data: JobQueue(jobs=jobs(data))
    if dataclasses.is_dataclass(hint):
        return _build_dataclass_decoder(hint)
    if _is_enum(hint):
        by_value = {member.value: member for member in hint}
        choices = ", ".join(f'"{v}"' for v in by_value)

        def enum(data: Any) -> Any:
            plain = isinstance(data, (str, int, float)) and not isinstance(data, bool)
            member = by_value.get(data) if plain else None
            if member is None:
                raise FieldError(f"must be one of {choices}, not {shown(data)}")
            return member

        return enum
    simple = {bool: _bool, int: _int, float: _float, str: _str, Fraction: _fraction}
    if hint in simple:
        return simple[hint]
    raise TypeError(f"the JSON codec does not know the type {hint!r}")


def decoder(hint: Any) -> Func:
    return _cached(_DECODERS, _build_decoder, hint)


def decode(data: Any, hint: Any) -> Any:
    """JSON data -> a value of type `hint`, every field checked (raises FieldError)."""
    return decoder(hint)(data)
