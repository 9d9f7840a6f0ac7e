package budget

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cfcache/cfcache/pkg/purge"
)

// headStates are API states of every shape the head can take, the odd
// ones included (times json.Marshal refuses, strings it escapes).
func headStates() []*purge.APIState {
	east := time.FixedZone("east", 5*3600+30*60)
	states := []*purge.APIState{
		{},
		{Policies: []purge.PolicyWindow{{Quota: 1200, Window: 5 * time.Minute}}},
		{Policies: []purge.PolicyWindow{{Quota: 1200, Window: 5 * time.Minute}, {Quota: -1, Window: math.MinInt64}},
			Header: &purge.HeaderBudget{Budget: 999, Used: 3, Reset: time.Unix(1_700_000_000, 123456789)}},
		{Header: &purge.HeaderBudget{Budget: -5, Reset: time.Unix(1_700_000_000, 0).In(east)}},
		{Header: &purge.HeaderBudget{}},
		{PauseUntil: time.Unix(1_700_000_300, 500).UTC(), PauseSource: "Retry-After"},
		{PauseUntil: time.Now(), PauseSource: "Ratelimit reset"},
		{PauseSource: `say "<&>" \ é`},
		{PauseUntil: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Header: &purge.HeaderBudget{Reset: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{Policies: []purge.PolicyWindow{}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		a := &purge.APIState{}
		for j := rng.IntN(3); j > 0; j-- {
			a.Policies = append(a.Policies, purge.PolicyWindow{Quota: rng.IntN(5000) - 10, Window: time.Duration(rng.Int64())})
		}
		if rng.IntN(2) == 0 {
			a.Header = &purge.HeaderBudget{Budget: rng.IntN(2000), Used: rng.IntN(2000), Reset: time.Unix(0, rng.Int64N(4e18))}
		}
		if rng.IntN(3) == 0 {
			a.PauseUntil, a.PauseSource = time.Unix(0, rng.Int64N(4e18)), "Retry-After"
		}
		for j := rng.IntN(4); j > 0; j-- {
			a.Sends = append(a.Sends, rng.Int64N(4e18))
		}
		states = append(states, a)
	}
	return states
}

// The head is the bytes json.Marshal writes, and reads back as
// encoding/json reads it.
func TestAPIHeadIsEncodingJSONs(t *testing.T) {
	for _, a := range headStates() {
		n := 7
		want, wantErr := json.Marshal(apiHead{APIState: a, LogBytes: &n})
		got, ok := appendAPIHead(nil, a, n)
		if ok && (wantErr != nil || !bytes.Equal(got, want)) {
			t.Fatalf("%+v:\n got %s\nwant %s (%v)", a, got, want, wantErr)
		}
		if !ok && wantErr == nil && a.PauseSource == "" {
			t.Errorf("%+v: left to encoding/json", a)
		}
		if wantErr == nil {
			checkHeadRead(t, append(want, '\n'))
		}
	}
}

// checkHeadRead: whatever readAPIHead accepts, encoding/json reads the
// same way.
func checkHeadRead(t *testing.T, data []byte) {
	t.Helper()
	var got purge.APIState
	end, logBytes, ok := readAPIHead(data, &got)
	if !ok {
		return
	}
	want := purge.APIState{}
	head := apiHead{APIState: &want}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&head); err != nil {
		t.Fatalf("%q: read, but encoding/json says %v", data, err)
	}
	if end != int(dec.InputOffset()) || !reflect.DeepEqual(got, want) || !reflect.DeepEqual(logBytes, head.LogBytes) {
		t.Fatalf("%q:\n got %d %+v %v\nwant %d %+v %v", data, end, got, logBytes, dec.InputOffset(), want, head.LogBytes)
	}
}

// A state in the form encodeAPI writes is read without encoding/json.
func TestAPIHeadReadsItsOwnForm(t *testing.T) {
	for _, a := range headStates() {
		data, err := encodeAPI(a)
		if err != nil {
			continue
		}
		var got purge.APIState
		if _, _, ok := readAPIHead(data, &got); !ok && a.PauseSource == "" {
			t.Errorf("%s: left to encoding/json", data)
		}
		var back purge.APIState
		if err := decodeAPI(data, &back); err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		want := *a
		if len(want.Policies) == 0 {
			want.Policies = nil
		}
		if len(want.Sends) == 0 {
			want.Sends = purge.SendLog{}
		}
		if !sameState(back, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", back, want)
		}
	}
}

// sameState compares states as instants (a time read back has a new
// location value).
func sameState(a, b purge.APIState) bool {
	if (a.Header == nil) != (b.Header == nil) || !a.PauseUntil.Equal(b.PauseUntil) {
		return false
	}
	if a.Header != nil && (a.Header.Budget != b.Header.Budget || a.Header.Used != b.Header.Used || !a.Header.Reset.Equal(b.Header.Reset)) {
		return false
	}
	return reflect.DeepEqual(a.Policies, b.Policies) && reflect.DeepEqual(a.Sends, b.Sends) && a.PauseSource == b.PauseSource
}

func FuzzAPIHead(f *testing.F) {
	for _, a := range headStates()[:12] {
		if data, err := encodeAPI(a); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"log_bytes":-0}` + "\n"))
	f.Add([]byte(`{"header":{"budget":1,"used":2,"reset":"2026-01-02T03:04:05.5+01:00"},"log_bytes":0}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkHeadRead(t, data)
	})
}

// store truncates only a state that got shorter, whoever wrote the longer
// one: the length it compares with is the one read under the lock.
func TestStoreLeavesNoTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	a, b := newStateFile(path), newStateFile(path)
	write := func(s *stateFile, data string) {
		t.Helper()
		if _, err := s.acquire(); err != nil {
			t.Fatal(err)
		}
		defer s.release()
		if err := s.store([]byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want string) {
		t.Helper()
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Fatalf("file %q (%v), want %q", got, err, want)
		}
	}
	write(a, "0123456789")
	check("0123456789")
	write(a, "abcdefghijkl") // longer: nothing to cut
	check("abcdefghijkl")
	write(b, strings.Repeat("x", 40)) // another process, longer still
	write(a, "short")
	check("short")
	write(b, "s")
	check("s")
	for _, s := range []*stateFile{a, b} {
		if s.f != nil {
			s.f.Close()
		}
	}
}

// appendAPIHead writes purge.APIState's fields one by one: a field added to
// APIState, PolicyWindow or HeaderBudget later would be left out of the
// shared state file without a word, where json.Marshal wrote it. The
// fields it knows are listed here; a new one fails this test until the
// head writes and reads it (and headStates fills it).
func TestAPIHeadKnowsEveryField(t *testing.T) {
	known := map[reflect.Type][]string{
		reflect.TypeOf(purge.APIState{}):     {"Sends", "Policies", "Header", "PauseUntil", "PauseSource"},
		reflect.TypeOf(purge.PolicyWindow{}): {"Quota", "Window"},
		reflect.TypeOf(purge.HeaderBudget{}): {"Budget", "Used", "Reset"},
	}
	for typ, names := range known {
		var got []string
		for i := 0; i < typ.NumField(); i++ {
			got = append(got, typ.Field(i).Name)
		}
		if !reflect.DeepEqual(got, names) {
			t.Errorf("%s has fields %v; appendAPIHead and readAPIHead know %v: teach them the new ones", typ, got, names)
		}
	}
}
