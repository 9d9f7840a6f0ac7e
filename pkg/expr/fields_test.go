package expr

import (
	"reflect"
	"sync"
	"testing"
)

// TestFieldDescriptionsOnDemand: a field described on its first lookup
// (fields.go) is what describing every row up front gave, aliases
// included, and lookups from several goroutines at once agree.
func TestFieldDescriptionsOnDemand(t *testing.T) {
	want := map[string]FieldInfo{}
	for _, r := range append(append([]fieldRow(nil), fieldRows...), extraFieldRows...) {
		want[r.name] = describeField(r)
	}
	for alias, target := range deprecatedAliases {
		f := want[target]
		f.Name, f.DeprecatedFor = alias, target
		want[alias] = f
	}
	x := indexFields() // a fresh index: every description is built here
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name, w := range want {
				if got, ok := x.lookup(name); !ok || !reflect.DeepEqual(got, w) {
					t.Errorf("%s: got %+v, %v; want %+v", name, got, ok, w)
				}
			}
		}()
	}
	wg.Wait()
	if _, ok := x.lookup("http.no_such_field"); ok || x.known("http.no_such_field") {
		t.Error("an unknown field was found")
	}
	if len(Fields()) != len(want) || len(fieldNames()) != len(want) {
		t.Errorf("Fields lists %d, names %d, want %d", len(Fields()), len(fieldNames()), len(want))
	}
}
