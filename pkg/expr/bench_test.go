package expr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cfcache/cfcache/pkg/limits"
)

// BenchmarkCorpus measures parse + check + evaluate over every parsable
// corpus expression against one sample request; ns/op and allocs/op are per
// expression.
func BenchmarkCorpus(b *testing.B) {
	c, envs := loadCorpus(b)
	env := envs["asset"]
	var srcs []string
	for _, cc := range c.Cases {
		if _, err := Parse(cc.Expr); err == nil {
			srcs = append(srcs, cc.Expr)
		}
	}
	// parse builds every tree (what a process pays once per expression);
	// parse-again is Parse handing out the tree it remembers.
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := parseSource(srcs[i%len(srcs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-again", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := Parse(srcs[i%len(srcs)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	exprs := make([]Expr, len(srcs))
	for i, s := range srcs {
		exprs[i] = MustParse(s)
	}
	b.Run("check", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			Check(exprs[i%len(exprs)], Options{Plan: limits.Enterprise})
		}
	})
	b.Run("eval", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			env.Matches(exprs[i%len(exprs)])
		}
	})
	b.Run("eval+explain", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			env.Eval(exprs[i%len(exprs)])
		}
	})
	b.Run("parse+check+eval", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			e, err := parseSource(srcs[i%len(srcs)])
			if err != nil {
				b.Fatal(err)
			}
			Check(e, Options{Plan: limits.Enterprise})
			env.Eval(e)
		}
	})
}

// BenchmarkNewEnv measures preparing a request.
func BenchmarkNewEnv(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewEnv(sampleRequest); err != nil {
			b.Fatal(err)
		}
	}
}

// awk300 are the expressions of docs/performance.md's rules300.yaml (the
// file issue 12's performance bar is measured on).
func awk300() []string {
	srcs := make([]string, 300)
	for i := range srcs {
		srcs[i] = fmt.Sprintf(`starts_with(http.request.uri.path, "/section-%d/") and http.request.uri.path.extension in {"css" "js" "png"}`, i)
	}
	return srcs
}

// BenchmarkCheck300 is what validation does with rules300.yaml's 300
// expressions in a fresh process: parse (remembered for explain's
// compile) and type-check each, as the rules commands' checker calls it.
func BenchmarkCheck300(b *testing.B) {
	srcs := awk300()
	lim := defaultLimits.For(limits.Enterprise)
	lim.ExpressionMaxLength = 0
	opts := Options{Plan: limits.Enterprise, Limits: lim}
	b.ReportAllocs()
	for b.Loop() {
		ForgetParsed()
		for _, s := range srcs {
			if probs := CheckExpressionWith(s, opts); len(probs) != 0 {
				b.Fatal(probs)
			}
		}
	}
}

// BenchmarkEvalToAwk300 is the evaluation `rules explain` does on
// docs/performance.md's rules300.yaml for --url
// https://example.com/section-150/app.css: 300 expressions, 299 false,
// every reason written into one buffer.
func BenchmarkEvalToAwk300(b *testing.B) {
	es := make([]Expr, 300)
	for i := range es {
		es[i] = MustParse(fmt.Sprintf(`starts_with(http.request.uri.path, "/section-%d/") and http.request.uri.path.extension in {"css" "js" "png"}`, i))
	}
	env, err := NewEnv(Request{URL: "https://example.com/section-150/app.css"})
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	b.ReportAllocs()
	for b.Loop() {
		sb.Reset()
		sb.Grow(128 * len(es))
		matched := 0
		for _, e := range es {
			if env.EvalTo(&sb, e) {
				matched++
			}
		}
		if matched != 1 {
			b.Fatalf("%d matched, want 1", matched)
		}
	}
}
