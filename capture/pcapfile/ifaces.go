package pcapfile

// The interfaces of a pcapng file, bounded whatever the file holds
// (docs/capture.md §3.1): every interface description block of every
// section has its own entry (their statistics blocks count from their own
// capture's start), up to maxInterfaces; past it, a section that describes
// an interface an earlier section described the same way shares that
// entry (files written one after the other and concatenated, by the
// hundred thousand), and the others share one entry per link type and
// time base.

// maxInterfaces bounds the interfaces a FileReader keeps over all sections;
// maxShared the entries the interfaces beyond it share.
const (
	maxInterfaces = 4096
	maxShared     = 64
)

// descKey is what makes two interface descriptions the same interface.
type descKey struct {
	name, desc, filter string
	lt                 LinkType
	snap               uint32
	div                uint64
	off                int64
}

type ifaceTable struct {
	local []int // the current section's interface ids → FileReader.ifaces
	// placeholders: the current section's interface ids that packets
	// referred to before (or without) their interface description
	// block → FileReader.ifaces. They take no id: the interface
	// description blocks number the interfaces as written.
	placeholders map[uint32]int
	section      int               // the current section, counted from 0
	lastSec      []int             // per entry of FileReader.ifaces: the last section that uses it
	byKey        map[descKey][]int // entries by description, for the sections after theirs
	shared       map[descKey]int   // beyond maxInterfaces: by link type and time base
	omitted      int               // interface descriptions given a shared entry
}

func (t *ifaceTable) newSection() {
	t.local = t.local[:0]
	t.placeholders = nil
	t.section++
}

// appendIface adds ifc as a new entry and returns its index.
func (fr *FileReader) appendIface(ifc Interface) int {
	ifc.Index = len(fr.ifaces)
	fr.ifaces = append(fr.ifaces, ifc)
	fr.ifTab.lastSec = append(fr.ifTab.lastSec, fr.ifTab.section)
	return ifc.Index
}

// addIface gives the next interface id of the current section the
// interface ifc: a new entry, or past maxInterfaces (counted:
// InterfacesShared) an entry an earlier section described the same way
// and this one does not use yet, or a shared one.
func (fr *FileReader) addIface(ifc Interface) {
	t := &fr.ifTab
	k := descKey{ifc.Name, ifc.Description, ifc.Filter, ifc.LinkType, ifc.SnapLen, ifc.tsDiv, ifc.tsOffset}
	if len(fr.ifaces) < maxInterfaces {
		i := fr.appendIface(ifc)
		if t.byKey == nil {
			t.byKey = map[descKey][]int{}
		}
		t.byKey[k] = append(t.byKey[k], i)
		t.local = append(t.local, i)
		return
	}
	t.omitted++ // a bound, not damage: the report says so (InterfacesShared)
	for _, i := range t.byKey[k] {
		if t.lastSec[i] < t.section {
			t.lastSec[i] = t.section
			t.local = append(t.local, i)
			return
		}
	}
	sk := descKey{lt: ifc.LinkType, div: ifc.tsDiv, off: ifc.tsOffset}
	i, ok := t.shared[sk]
	if !ok {
		if len(t.shared) < maxShared {
			if t.shared == nil {
				t.shared = map[descKey]int{}
			}
			i = fr.appendIface(Interface{Name: "(more interfaces)", LinkType: ifc.LinkType, tsDiv: ifc.tsDiv, tsOffset: ifc.tsOffset})
			t.shared[sk] = i
		} else {
			i = len(fr.ifaces) - 1 // the last shared entry
		}
	}
	t.local = append(t.local, i)
}

// InterfacesShared returns how many interface descriptions were given the
// entry of an earlier one (more than maxInterfaces interfaces in the
// file).
func (fr *FileReader) InterfacesShared() int { return fr.ifTab.omitted }
