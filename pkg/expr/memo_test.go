package expr

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// TestParseMemo: a second Parse of the same text hands out the tree (or
// the error) of the first, equal to what a fresh parse builds, so the
// validator and cachekey.Compile share one parse.
func TestParseMemo(t *testing.T) {
	for _, src := range []string{
		`starts_with(http.request.uri.path, "/memo-a/") and http.host matches "^a+$"`,
		`http.request.uri.path wildcard "/memo/*"`,
		"http.host eq \t\"memo\"", // a tab: the error is remembered too
		`http.host eq (`,
	} {
		e1, err1 := Parse(src)
		e2, err2 := Parse(src)
		fresh, errFresh := parseSource(src)
		if fmt.Sprint(err1) != fmt.Sprint(errFresh) || err1 != err2 {
			t.Errorf("%q: errors %v, %v, fresh %v", src, err1, err2, errFresh)
		}
		if err1 != nil {
			continue
		}
		if e1 != e2 {
			t.Errorf("%q: the second Parse built a new tree", src)
		}
		if !reflect.DeepEqual(e1, fresh) {
			t.Errorf("%q: remembered tree differs from a fresh parse", src)
		}
	}
}

// TestParseMemoBounded: the memo never holds more than maxMemo texts.
func TestParseMemoBounded(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < maxMemo+100; i++ {
				if _, err := Parse(fmt.Sprintf(`http.host eq "h%d-%d"`, g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	parsed.mu.Lock()
	n := len(parsed.m) + len(parsed.errs)
	parsed.mu.Unlock()
	if n > maxMemo {
		t.Errorf("memo holds %d texts, bound %d", n, maxMemo)
	}
}

// TestCheckOnceLeavesMemo: a check with Options.Once finds what a check
// through Parse's memory finds, and leaves nothing in that memory.
func TestCheckOnceLeavesMemo(t *testing.T) {
	for _, src := range []string{
		`starts_with(http.request.uri.path, "/once-a/") and http.host matches "^a+$"`,
		`http.request.uri.path.extension in {"css" "js"}`,
		"http.host eq \t\"once\"",
		`http.host eq (`,
		`http.host`,
	} {
		remembered := func() bool {
			parsed.mu.Lock()
			defer parsed.mu.Unlock()
			_, inTrees := parsed.m[src]
			_, inErrs := parsed.errs[src]
			return inTrees || inErrs
		}
		before := remembered() // another test may have parsed it
		once := CheckExpressionWith(src, Options{Plan: "pro", Once: true})
		if !before && remembered() {
			t.Errorf("%q: a check with Once was remembered", src)
		}
		if shared := CheckExpressionWith(src, Options{Plan: "pro"}); !reflect.DeepEqual(once, shared) {
			t.Errorf("%q: with Once %v, without %v", src, once, shared)
		}
	}
}

// TestCheckOnceReusesNodes: checks with Options.Once give their nodes back
// for the next expression; each still finds what a check of a tree of its
// own finds, over the corpus checked in turn on two plans, twice (the
// second round on nodes the first round used).
func TestCheckOnceReusesNodes(t *testing.T) {
	corpus, _ := loadCorpus(t)
	// Trees Parse remembers share chunks with the nodes Once gives back:
	// they must come out of it untouched.
	// (Texts of their own: a tree another test evaluated has its regular
	// expressions compiled, and would differ from a fresh one.)
	kept := map[string]Expr{}
	for i, cc := range corpus.Cases[:20] {
		src := fmt.Sprintf(`(%s) and http.host ne "kept-%d"`, cc.Expr, i)
		if e, err := Parse(src); err == nil {
			kept[src] = e
		}
	}
	defer func() {
		for src, e := range kept {
			if fresh, _ := parseSource(src); !reflect.DeepEqual(e, fresh) {
				t.Errorf("%s: a remembered tree changed under checks with Once", src)
			}
		}
	}()
	for round := 0; round < 2; round++ {
		for _, plan := range []limits.Plan{limits.Enterprise, limits.Free} {
			for _, cc := range corpus.Cases {
				once := CheckExpressionWith(cc.Expr, Options{Plan: plan, Once: true})
				fresh, err := parseSource(cc.Expr)
				var want []Problem
				if err != nil {
					want = CheckExpressionWith(cc.Expr, Options{Plan: plan})
				} else {
					want = Check(fresh, Options{Plan: plan})
				}
				if !reflect.DeepEqual(once, want) {
					t.Errorf("%s on %s: with Once %v, on its own tree %v", cc.Expr, plan, once, want)
				}
			}
		}
	}
}
