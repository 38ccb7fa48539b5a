package pycode

import (
	"math"
	"sort"

	"github.com/modelgate/modelgate/internal/format/pymarshal"
)

// FromJSON converts a value decoded by encoding/json (a Keras "defaults" or
// "closure" entry) into the Python object the loader would build: numbers
// become int or float, lists tuples... so that it can be passed in Input.
func FromJSON(v any) *pymarshal.Object {
	switch x := v.(type) {
	case nil:
		return &pymarshal.Object{Kind: pymarshal.None}
	case bool:
		o := &pymarshal.Object{Kind: pymarshal.Bool}
		if x {
			o.Int = 1
		}
		return o
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return &pymarshal.Object{Kind: pymarshal.Int, Int: int64(x)}
		}
		return &pymarshal.Object{Kind: pymarshal.Float, Float: x}
	case string:
		return &pymarshal.Object{Kind: pymarshal.Str, Str: x}
	case []any:
		o := &pymarshal.Object{Kind: pymarshal.List}
		for _, it := range x {
			o.Items = append(o.Items, FromJSON(it))
		}
		return o
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := &pymarshal.Object{Kind: pymarshal.Dict}
		for _, k := range keys {
			o.Items = append(o.Items, FromJSON(k), FromJSON(x[k]))
		}
		return o
	}
	return &pymarshal.Object{Kind: pymarshal.None}
}
