module github.com/org/hac/examples/ipsvc

go 1.22
