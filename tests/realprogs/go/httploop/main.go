// httploop: a net/http server and client on 127.0.0.1 in one process, then a second
// process (this program again) as the client: the loopback network inside the machine.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		return "error: " + err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(string(body)))
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "client" {
		fmt.Println("child:", get(os.Args[2]))
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s\n", r.URL.Query().Get("name"))
	})
	go http.Serve(ln, mux)
	url := "http://" + ln.Addr().String()
	fmt.Println("same process:", get(url+"/hello?name=one"))
	fmt.Println("not found:", get(url+"/missing"))
	out, err := exec.Command(os.Args[0], "client", url+"/hello?name=two").Output()
	fmt.Printf("%s", out)
	if err != nil {
		fmt.Println("child failed:", err)
	}
	_, err = net.Dial("tcp", "127.0.0.1:1")
	fmt.Println("nobody listening:", err != nil)
}
