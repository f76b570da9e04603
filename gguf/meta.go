package gguf

import (
	"errors"
	"fmt"
)

// ErrKeyNotFound is returned (wrapped) by the typed accessors when a key is
// absent; test for it with errors.Is.
var ErrKeyNotFound = errors.New("key not found")

// Get returns the value stored under key.
func (f *File) Get(key string) (Value, bool) {
	i, ok := f.meta[key]
	if !ok {
		return Value{}, false
	}
	return f.Metadata[i].Value, true
}

// Has reports whether key is present.
func (f *File) Has(key string) bool {
	_, ok := f.meta[key]
	return ok
}

func (f *File) lookup(key string) (Value, error) {
	v, ok := f.Get(key)
	if !ok {
		return Value{}, fmt.Errorf("gguf: metadata %q: %w", key, ErrKeyNotFound)
	}
	return v, nil
}

func typeError(key, want string, v Value) error {
	found := v.Type.String()
	if a := v.Array(); a != nil {
		found = "array of " + a.ElemType.String()
	}
	return fmt.Errorf("gguf: metadata %q: want %s, found %s", key, want, found)
}

// String returns the string stored under key.
func (f *File) String(key string) (string, error) {
	v, err := f.lookup(key)
	if err != nil {
		return "", err
	}
	s, ok := v.Any().(string)
	if !ok {
		return "", typeError(key, "string", v)
	}
	return s, nil
}

// Int returns the integer stored under key, whatever its width or sign.
func (f *File) Int(key string) (int64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	n, ok := v.Int()
	if !ok {
		return 0, typeError(key, "integer", v)
	}
	return n, nil
}

// Float returns the float32 or float64 stored under key.
func (f *File) Float(key string) (float64, error) {
	v, err := f.lookup(key)
	if err != nil {
		return 0, err
	}
	x, ok := v.Float()
	if !ok {
		return 0, typeError(key, "float", v)
	}
	return x, nil
}

// Bool returns the bool stored under key.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.lookup(key)
	if err != nil {
		return false, err
	}
	b, ok := v.Any().(bool)
	if !ok {
		return false, typeError(key, "bool", v)
	}
	return b, nil
}

// Strings returns the array of strings stored under key.
func (f *File) Strings(key string) ([]string, error) {
	return arrayOf[[]string](f, key, "array of string")
}

// Float32s returns the array of float32 stored under key.
func (f *File) Float32s(key string) ([]float32, error) {
	return arrayOf[[]float32](f, key, "array of float32")
}

// Int32s returns the array of int32 stored under key.
func (f *File) Int32s(key string) ([]int32, error) {
	return arrayOf[[]int32](f, key, "array of int32")
}

func arrayOf[S any](f *File, key, want string) (S, error) {
	var zero S
	v, err := f.lookup(key)
	if err != nil {
		return zero, err
	}
	a := v.Array()
	if a == nil {
		return zero, typeError(key, want, v)
	}
	s, ok := a.Data.(S)
	if !ok {
		return zero, typeError(key, want, v)
	}
	return s, nil
}
