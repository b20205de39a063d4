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
        public void Repaint() => throw new StubException();
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
        public static void LabelField(string label, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static void LabelField(string label, string label2, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static void SelectableLabel(string text, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static string TextField(string label, string text, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static string TextArea(string text, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static int IntField(string label, int value, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static long LongField(string label, long value, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static float FloatField(string label, float value, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static bool Toggle(string label, bool value, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static float Slider(string label, float value, float leftValue, float rightValue, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static int IntSlider(string label, int value, int leftValue, int rightValue, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static void MinMaxSlider(string label, ref float minValue, ref float maxValue, float minLimit, float maxLimit, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static int Popup(string label, int selectedIndex, string[] displayedOptions, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static Enum EnumPopup(string label, Enum selected, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static UnityEngine.Object ObjectField(string label, UnityEngine.Object obj, Type objType, bool allowSceneObjects, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static bool Foldout(bool foldout, string content) => throw new StubException();
        public static void Space() => throw new StubException();
        public static UnityEngine.Rect GetControlRect(params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static UnityEngine.Vector2 BeginScrollView(UnityEngine.Vector2 scrollPosition, params UnityEngine.GUILayoutOption[] options) => throw new StubException();
        public static void EndScrollView() => throw new StubException();
    }
}
