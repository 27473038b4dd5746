package mappings

import (
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	const body = "source: {file: x.json}\ntarget: {type: customergroups}\ntransform: .\n"
	parse := func(name, after string) *Mapping {
		t.Helper()
		m, err := Parse(name+".yaml", []byte("version: 1\nname: "+name+"\nafter: ["+after+"]\n"+body), nil)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// groups ← customers ← users, customers ← addresses; units ← products
	ms := []*Mapping{parse("groups", ""), parse("customers", "groups"), parse("users", "customers"),
		parse("addresses", "customers"), parse("units", ""), parse("products", "units")}
	for _, tc := range []struct {
		sel  []string
		want string
	}{
		{nil, "groups customers users addresses units products"},
		{[]string{"customers"}, "customers"},
		{[]string{"+customers"}, "groups customers"},
		{[]string{"customers+"}, "customers users addresses"},
		{[]string{"+customers+"}, "groups customers users addresses"},
		{[]string{"+users", "products"}, "groups customers users products"},
		{[]string{"users,+products"}, "users units products"},
		{[]string{"groups+"}, "groups customers users addresses"},
	} {
		got, err := Select(ms, tc.sel)
		if err != nil || names(got) != tc.want {
			t.Errorf("Select(%v) = %q, %v; want %q", tc.sel, names(got), err, tc.want)
		}
	}
	_, err := Select(ms, []string{"+custmers"})
	if err == nil || !strings.Contains(err.Error(), `no mapping named "custmers" among the mapping files given; did you mean "customers"?`) {
		t.Errorf("unknown name: %v", err)
	}
}
