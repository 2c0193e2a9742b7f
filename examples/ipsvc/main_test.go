package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestEndpoints(t *testing.T) {
	srv := httptest.NewServer(handler("2.0.0", false))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/version")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || body["version"] != "2.0.0" || body["ip"] == "" {
		t.Fatalf("bad /version: %v %v", body, err)
	}
	res, _ = http.Get(srv.URL + "/")
	page, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(page), "ipsvc version 2.0.0") {
		t.Fatalf("bad page: %s", page)
	}
	if res, _ := http.Get(srv.URL + "/healthz"); res.StatusCode != 200 {
		t.Fatalf("healthz %d", res.StatusCode)
	}
}

func TestFailHealth(t *testing.T) {
	srv := httptest.NewServer(handler("3.0.0", true))
	defer srv.Close()
	if res, _ := http.Get(srv.URL + "/healthz"); res.StatusCode != 503 {
		t.Fatalf("healthz %d, want 503", res.StatusCode)
	}
}
