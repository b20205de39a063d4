// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using UnityEngine;
using UnityStubs;

namespace UnityEditor
{
    public sealed class Selection
    {
        public static Object activeObject { get => throw new StubException(); set => throw new StubException(); }
        public static GameObject activeGameObject { get => throw new StubException(); set => throw new StubException(); }
    }

    public class Undo
    {
        public static void RecordObject(Object objectToUndo, string name) => throw new StubException();
        public static void RegisterCreatedObjectUndo(Object objectToUndo, string name) => throw new StubException();
        public static T AddComponent<T>(GameObject gameObject) where T : Component => throw new StubException();
    }

    public sealed class GameObjectUtility
    {
        public static void SetParentAndAlign(GameObject child, GameObject parent) => throw new StubException();
    }

    public sealed class EditorApplication
    {
        public delegate void CallbackFunction();

        public static CallbackFunction delayCall;
    }

    public class SerializedObject
    {
        public SerializedObject(Object obj) => throw new StubException();
        public SerializedProperty FindProperty(string propertyPath) => throw new StubException();
        public bool ApplyModifiedProperties() => throw new StubException();
    }

    public class SerializedProperty
    {
        public Object objectReferenceValue { get => throw new StubException(); set => throw new StubException(); }
    }

    public sealed class Handles
    {
        public static Vector3 PositionHandle(Vector3 position, Quaternion rotation) => throw new StubException();
        public static void Label(Vector3 position, string text) => throw new StubException();
    }
}
