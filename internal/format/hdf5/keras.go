package hdf5

import "strconv"

// KerasAttr reads a string attribute the way Keras'
// load_attributes_from_hdf5_group does: the attribute itself when present,
// otherwise the chunks name0, name1, … that save_attributes_to_hdf5_group
// writes for values over 64512 bytes, concatenated until the first missing
// index. found is false when neither form exists. The joined value is
// bounded by MaxAttrBytes like a single attribute.
func KerasAttr(o *Object, name string) (values []string, found bool, err error) {
	if a := o.Attr(name); a != nil {
		v, err := a.Strings()
		return v, true, err
	}
	total := int64(0)
	for i := 0; ; i++ {
		a := o.Attr(name + strconv.Itoa(i))
		if a == nil {
			return values, i > 0, nil
		}
		v, err := a.Strings()
		if err != nil {
			return values, true, err
		}
		for _, s := range v {
			if total += int64(len(s)); total > a.f.lim.MaxAttrBytes {
				return values, true, fail(ErrLimit, "attribute %q chunks join to more than MaxAttrBytes (%d)", name, a.f.lim.MaxAttrBytes)
			}
		}
		values = append(values, v...)
	}
}
