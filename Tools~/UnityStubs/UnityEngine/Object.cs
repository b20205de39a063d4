// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityStubs;

namespace UnityEngine
{
    public class Object
    {
        public string name { get => throw new StubException(); set => throw new StubException(); }

        public static void Destroy(Object obj) => throw new StubException();
        public static void DestroyImmediate(Object obj) => throw new StubException();
        public static void DontDestroyOnLoad(Object target) => throw new StubException();
        public static T FindObjectOfType<T>() where T : Object => throw new StubException();

        public override bool Equals(object other) => throw new StubException();
        public override int GetHashCode() => throw new StubException();
        public static implicit operator bool(Object exists) => throw new StubException();
        public static bool operator ==(Object x, Object y) => throw new StubException();
        public static bool operator !=(Object x, Object y) => throw new StubException();
    }

    public sealed class GameObject : Object
    {
        public GameObject(string name) => throw new StubException();
        public GameObject(string name, params Type[] components) => throw new StubException();
        public Transform transform => throw new StubException();
        public T GetComponent<T>() => throw new StubException();
        public T GetComponentInChildren<T>() => throw new StubException();
        public T AddComponent<T>() where T : Component => throw new StubException();
    }

    public class Component : Object
    {
        public T GetComponent<T>() => throw new StubException();
        public T GetComponentInParent<T>() => throw new StubException();
        public T GetComponentInChildren<T>() => throw new StubException();

        public GameObject gameObject => throw new StubException();
        public Transform transform => throw new StubException();
    }

    public class Behaviour : Component
    {
        public bool enabled { get => throw new StubException(); set => throw new StubException(); }
    }

    public class MonoBehaviour : Behaviour
    {
    }

    public class ScriptableObject : Object
    {
        public static T CreateInstance<T>() where T : ScriptableObject => throw new StubException();
    }
}
