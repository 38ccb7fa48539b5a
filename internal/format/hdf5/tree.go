package hdf5

import (
	"fmt"
	"slices"
	"strings"
)

// load reads the object at addr once and, for a group, everything below
// it. It returns nil when the object header cannot be read.
func (f *File) load(addr uint64, path string, depth int) *Object {
	if o, ok := f.objects[addr]; ok {
		return o
	}
	if !f.spend(path, 1) {
		return nil
	}
	h, err := f.readHeader(addr, path)
	if err != nil {
		f.objects[addr] = nil
		f.fail(path, err)
		return nil
	}
	o := &Object{Path: path, Addr: addr, HeaderVersion: h.version}
	f.objects[addr] = o
	f.decodeObject(o, h)
	if len(o.links) > 0 {
		f.loadMembers(o, depth)
	}
	return o
}

// decodeObject classifies the object the way libhdf5 does and decodes its
// attributes, links and dataset description.
func (f *File) decodeObject(o *Object, h *header) {
	hasType, hasSpace := h.first(msgDatatype) != nil, h.first(msgDataspace) != nil
	switch {
	case h.first(msgSymbolTable) != nil || h.first(msgLinkInfo) != nil:
		o.Kind = KindGroup
	case hasType && hasSpace:
		o.Kind = KindDataset
	case hasType:
		o.Kind = KindDatatype
	}
	o.attrs = f.attributes(o.Path, h)
	o.links = f.links(o.Path, h)
	if len(o.links) > 0 && o.Kind != KindGroup {
		f.anomaly(o.Path, h.addr, "link messages in an object that is not a group")
	}
	if hasType && hasSpace {
		if o.Kind == KindGroup {
			f.anomaly(o.Path, h.addr, "object is both a group and a dataset; libhdf5 opens it as a group")
		}
		o.dataset = f.decodeDataset(o.Path, h)
	}
}

// attributes collects an object's attributes in libhdf5's precedence:
// when dense storage exists, libhdf5 reads only it, so dense attributes
// come first and compact ones after (an anomaly when both exist).
func (f *File) attributes(path string, h *header) []*Attribute {
	var out []*Attribute
	dense := false
	if m := h.first(msgAttrInfo); m != nil {
		info, err := decodeAttrInfo(f.src.decoder(m.data))
		if err != nil {
			f.fail(path, f.src.wrap(err, "attribute info message", m.addr))
		} else if info.heap != undef {
			dense = true
			out = f.denseAttributes(path, info)
		}
	}
	compact := 0
	for _, m := range h.msgs {
		if m.typ != msgAttribute || !f.spend(path, 1) {
			continue
		}
		compact++
		if m.flags&flagShared != 0 {
			f.fail(path, f.src.errAt(ErrUnsupported, "attribute message", m.addr, "attribute stored in the shared message heap"))
			continue
		}
		a, err := f.decodeAttribute(m.data)
		if err != nil {
			f.fail(path, f.src.wrap(err, "attribute message", m.addr))
			continue
		}
		out = append(out, a)
	}
	if dense && compact > 0 {
		f.anomaly(path, h.addr, fmt.Sprintf("%d attribute messages beside dense attribute storage: libhdf5 ignores them", compact))
	}
	slices.SortStableFunc(out, func(a, b *Attribute) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(out); i++ {
		if out[i].Name == out[i-1].Name {
			f.anomaly(path, h.addr, fmt.Sprintf("attribute %q occurs more than once", out[i].Name))
		}
	}
	return out
}

// links collects a group's links in libhdf5's precedence: a link info
// message selects dense storage or the link messages, and only without one
// does the symbol table count. Links libhdf5 would not see still follow,
// reported as anomalies, so that nothing in the file goes unexamined.
func (f *File) links(path string, h *header) []*Link {
	var out []*Link
	dense := false
	if m := h.first(msgLinkInfo); m != nil {
		info, err := decodeLinkInfo(f.src.decoder(m.data))
		if err != nil {
			f.fail(path, f.src.wrap(err, "link info message", m.addr))
		} else if info.heap != undef {
			dense = true
			out = f.denseLinks(path, info)
		}
	}
	compact := 0
	for _, m := range h.msgs {
		if m.typ != msgLink {
			continue
		}
		compact++
		l, err := decodeLink(f.src.decoder(m.data))
		if err != nil {
			f.fail(path, f.src.wrap(err, "link message", m.addr))
			continue
		}
		out = append(out, l)
	}
	if dense && compact > 0 {
		f.anomaly(path, h.addr, fmt.Sprintf("%d link messages beside dense link storage: libhdf5 ignores them", compact))
	}
	if m := h.first(msgSymbolTable); m != nil {
		if h.first(msgLinkInfo) != nil {
			f.anomaly(path, h.addr, "symbol table beside a link info message: libhdf5 ignores the symbol table")
		}
		out = append(out, f.symbolTableLinks(path, m)...)
	}
	slices.SortStableFunc(out, func(a, b *Link) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// loadMembers follows a group's links: hard links are loaded (each object
// once), the others become hazards.
func (f *File) loadMembers(o *Object, depth int) {
	for i, l := range o.links {
		if !f.spend(o.Path, 1) {
			return
		}
		if i > 0 && o.links[i-1].Name == l.Name {
			f.anomaly(o.Path, o.Addr, fmt.Sprintf("link %q occurs more than once", l.Name))
		}
		if l.Name == "" || strings.Contains(l.Name, "/") || l.Name == "." || l.Name == ".." {
			f.anomaly(o.Path, o.Addr, fmt.Sprintf("link name %q cannot be a path component", l.Name))
		}
		path := joinPath(o.Path, l.Name)
		switch l.Kind {
		case LinkHard:
			if depth+1 > f.lim.MaxDepth {
				f.fail(path, &Error{Kind: ErrLimit, What: "group", Offset: -1, Detail: fmt.Sprintf("nested deeper than MaxDepth (%d)", f.lim.MaxDepth)})
				continue
			}
			if t := f.objects[l.Addr]; t != nil && isAncestor(t, o) {
				f.anomaly(path, o.Addr, "hard link to an ancestor group (a cycle)")
			}
			l.Target = f.load(l.Addr, path, depth+1)
		case LinkSoft:
			f.hazards = append(f.hazards, Hazard{Kind: HazardSoftLink, Path: path, Target: l.Path})
		case LinkExternal:
			f.hazards = append(f.hazards, Hazard{Kind: HazardExternalLink, Path: path, File: l.File, Target: l.Path})
		default:
			f.hazards = append(f.hazards, Hazard{Kind: HazardUserLink, Path: path, Target: fmt.Sprintf("link type %d", l.Type)})
		}
	}
}

// isAncestor reports whether a is o or one of the groups the walk passed
// through to reach o (objects are loaded depth first, under their first
// path, so those are exactly the prefixes of o's path).
func isAncestor(a, o *Object) bool {
	return a == o || a.Path == "/" || strings.HasPrefix(o.Path, a.Path+"/")
}

func joinPath(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
