package config

import (
	"encoding/json"
	"fmt"
)

func sprintAll(v any) string {
	j, _ := json.Marshal(v)
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, j)
}
