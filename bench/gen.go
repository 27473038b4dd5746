//go:build ignore

// gen writes N customer records as JSON Lines to stdout for the benchmark:
//
//	go run bench/gen.go 100000 > /tmp/customers.jsonl
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	n := 100000
	if len(os.Args) > 1 {
		n, _ = strconv.Atoi(os.Args[1])
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	status := []string{"active", "active", "active", "closed"}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(w, `{"id":%d,"company":"Company %d GmbH","email":"buyer%d@example.com","phone":"+49 30 %07d","vat":"DE%09d","address":{"street":"Hauptstrasse %d","city":"Berlin","zip":"%05d","country":"DE"},"credit_limit":%d.%02d,"status":"%s","created_at":"2024-01-%02dT10:00:00Z"}`+"\n",
			i, i, i, i, i, i%200, 10000+i%89999, i%100000, i%100, status[i%4], 1+i%28)
	}
}
