package pymarshal

// code reads a code object with the reader's layout and applies the type and
// consistency checks that CPython's code constructor applies, so that a
// layout is accepted only where the real loader would accept the bytes.
func (r *reader) code(off int, flag bool) (*Object, error) {
	c := &CodeObject{Offset: off}
	o := &Object{Kind: Code, Type: 'c', Offset: off, Code: c}
	return r.delayed(o, flag, func() error {
		if err := r.codeInts(c); err != nil {
			return err
		}
		if err := r.codeObjects(c); err != nil {
			return err
		}
		if err := r.codeValidate(c); err != nil {
			return err
		}
		r.codes = append(r.codes, c)
		return nil
	})
}

func (r *reader) codeInts(c *CodeObject) error {
	fields := []*int32{&c.ArgCount}
	switch r.layout {
	case Layout27:
		fields = append(fields, &c.NLocals)
	case Layout30:
		fields = append(fields, &c.KwOnlyArgCount, &c.NLocals)
	case Layout38:
		fields = append(fields, &c.PosOnlyArgCount, &c.KwOnlyArgCount, &c.NLocals)
	case Layout311:
		fields = append(fields, &c.PosOnlyArgCount, &c.KwOnlyArgCount)
	}
	fields = append(fields, &c.StackSize, &c.Flags)
	for _, f := range fields {
		v, err := r.int32()
		if err != nil {
			return err
		}
		*f = v
	}
	return nil
}

func (r *reader) codeObjects(c *CodeObject) error {
	var err error
	get := func(f func() error) {
		if err == nil {
			err = f()
		}
	}
	get(func() (e error) { c.Code, e = r.bytesField("co_code"); return })
	get(func() (e error) { c.Consts, e = r.tupleField("co_consts"); return })
	get(func() (e error) { c.Names, e = r.namesField("co_names"); return })
	if r.layout == Layout311 {
		get(func() (e error) { c.LocalsPlusNames, e = r.namesField("co_localsplusnames"); return })
		get(func() (e error) { c.LocalsPlusKinds, e = r.bytesField("co_localspluskinds"); return })
	} else {
		get(func() (e error) { c.VarNames, e = r.namesField("co_varnames"); return })
		get(func() (e error) { c.FreeVars, e = r.namesField("co_freevars"); return })
		get(func() (e error) { c.CellVars, e = r.namesField("co_cellvars"); return })
	}
	get(func() (e error) { c.Filename, e = r.strField("co_filename"); return })
	get(func() (e error) { c.Name, e = r.strField("co_name"); return })
	if r.layout == Layout311 {
		get(func() (e error) { c.QualName, e = r.strField("co_qualname"); return })
	}
	get(func() (e error) { c.FirstLineNo, e = r.int32(); return })
	get(func() (e error) { c.LineTable, e = r.bytesField("co_linetable"); return })
	if r.layout == Layout311 {
		get(func() (e error) { c.ExceptionTable, e = r.bytesField("co_exceptiontable"); return })
	}
	return err
}

// field reads a mandatory (non-NULL) object of one of the kinds given.
func (r *reader) field(name string, kinds ...Kind) (*Object, error) {
	off := r.pos
	o, err := r.object()
	if err != nil {
		return nil, err
	}
	if o != nil {
		for _, k := range kinds {
			if o.Kind == k {
				return o, nil
			}
		}
	}
	return nil, r.fail(off, "%s has the wrong type", name)
}

// bytesField reads co_code, co_lnotab and friends: bytes on 3.x, str on 2.7.
func (r *reader) bytesField(name string) ([]byte, error) {
	if r.py2() {
		o, err := r.field(name, Str)
		if err != nil || o.Type == 'u' {
			return nil, r.fail(r.pos, "%s is not a str", name)
		}
		return []byte(o.Str), nil
	}
	o, err := r.field(name, Bytes)
	if err != nil {
		return nil, err
	}
	return o.Bytes, nil
}

func (r *reader) tupleField(name string) ([]*Object, error) {
	o, err := r.field(name, Tuple)
	if err != nil {
		return nil, err
	}
	return o.Items, nil
}

// namesField reads a tuple of str (on 2.7: of byte str, unicode names abort
// the interpreter).
func (r *reader) namesField(name string) ([]string, error) {
	items, err := r.tupleField(name)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, it := range items {
		if it.Kind != Str || r.py2() && it.Type == 'u' {
			return nil, r.fail(it.Offset, "%s holds a %s", name, it.Kind)
		}
		out[i] = it.Str
	}
	return out, nil
}

func (r *reader) strField(name string) (string, error) {
	o, err := r.field(name, Str)
	if err != nil {
		return "", err
	}
	if r.py2() && o.Type == 'u' {
		return "", r.fail(o.Offset, "%s is unicode", name)
	}
	return o.Str, nil
}

// codeValidate applies the argument-count checks of PyCode_New (2.7-3.10)
// and _PyCode_Validate (3.11+).
func (r *reader) codeValidate(c *CodeObject) error {
	if c.ArgCount < 0 || c.NLocals < 0 || c.KwOnlyArgCount < 0 || c.PosOnlyArgCount < 0 ||
		c.ArgCount < c.PosOnlyArgCount || r.layout != Layout27 && (c.StackSize < 0 || c.Flags < 0) {
		return r.fail(c.Offset, "code object has negative or inconsistent counts")
	}
	if r.layout == Layout27 {
		return nil
	}
	nlocals := len(c.VarNames)
	if r.layout == Layout311 {
		if len(c.LocalsPlusNames) != len(c.LocalsPlusKinds) || len(c.Code)%2 != 0 {
			return r.fail(c.Offset, "code object is malformed")
		}
		c.deriveLocals()
		nlocals = len(c.VarNames)
	}
	args := int(c.ArgCount) + int(c.KwOnlyArgCount)
	if c.Flags&CoVarargs != 0 {
		args++
	}
	if c.Flags&CoVarkeywords != 0 {
		args++
	}
	if r.layout >= Layout38 && args > nlocals {
		return r.fail(c.Offset, "code: varnames is too small")
	}
	return nil
}
