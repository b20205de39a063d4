// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityStubs;

namespace UnityEditor
{
    public class Editor : UnityEngine.ScriptableObject
    {
        public UnityEngine.Object target { get => throw new StubException(); set => throw new StubException(); }
        public virtual void OnInspectorGUI() => throw new StubException();
        public bool DrawDefaultInspector() => throw new StubException();
    }

    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
    public class CustomEditor : Attribute
    {
        public CustomEditor(Type inspectedType) => throw new StubException();
    }

    public enum MessageType
    {
        None,
        Info,
        Warning,
        Error,
    }

    public sealed class EditorGUILayout
    {
        public static void HelpBox(string message, MessageType type) => throw new StubException();
    }
}
