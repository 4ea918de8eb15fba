// Package strictjson decodes JSON from outside the program into Go values
// more strictly than encoding/json does. It is the one strict decoder of
// eventcc: [github.com/eventcc/eventcc/template.Load] reads templates with
// it and [github.com/eventcc/eventcc/contactcenter/webhook.Decode] reads
// webhook bodies with it.
//
// [Decode] accepts what [encoding/json.Unmarshal] accepts, less:
//
//   - a key that names no field of the struct it is decoded into, by the
//     field's json tag or Go name spelled exactly (encoding/json ignores
//     such a key, or matches it to a field in another case);
//   - a key that appears twice in one object (encoding/json keeps the
//     last value).
//
// What Decode accepts, it decodes into the value json.Unmarshal would
// make of it. It finds unknown and repeated keys structurally: it walks the
// input token by token in step with the Go type, looking each key up among
// the json names of the struct's fields. It never goes by the text of an
// error.
//
// # Problems
//
// Decode reports every problem it finds, in the order of the input, as
// [Errors]: one [*Error] each, with the path of the value it is about
// ("queues[1].modalities[0]") and its kind, one of the sentinel errors
// ([ErrUnknownField], [ErrRepeatedField], [ErrType], [ErrTrailingData],
// [ErrSyntax], [ErrTruncated], [ErrEmpty]), which errors.Is sees. Input that
// is not well-formed JSON ends the walk: a problem of the last three kinds
// is always the last one reported. Callers word the problems for their
// own readers from the fields of each Error.
//
// # Concurrency
//
// Decode is safe for concurrent use.
package strictjson
