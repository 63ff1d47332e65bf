package fuzz

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ReadAllowList reads the findings a run accepts: one key a line, as
// fuzz.json writes it ("operation status check detail"), "#" starting a
// comment. An entry no finding of a whole run matches is reported stale.
func ReadAllowList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want \"operation status check [detail]\", got %q", path, n, strings.TrimSpace(line))
		}
		status, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: status %q is not a number", path, n, fields[1])
		}
		keys = append(keys, problem{Operation: fields[0], Status: status, Check: fields[2], Detail: strings.Join(fields[3:], " ")}.Key())
	}
	return keys, sc.Err()
}
