package main

import "strconv"

// plural returns "1 stage" or "3 stages".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
