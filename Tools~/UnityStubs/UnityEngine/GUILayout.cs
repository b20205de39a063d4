// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using UnityStubs;

namespace UnityEngine
{
    public sealed class GUILayoutOption
    {
    }

    public class GUILayout
    {
        public static bool Button(string text, params GUILayoutOption[] options) => throw new StubException();
        public static bool Button(Texture image, params GUILayoutOption[] options) => throw new StubException();
        public static void Label(string text, params GUILayoutOption[] options) => throw new StubException();
        public static void Label(Texture image, params GUILayoutOption[] options) => throw new StubException();
        public static void BeginHorizontal(params GUILayoutOption[] options) => throw new StubException();
        public static void EndHorizontal() => throw new StubException();
        public static void BeginVertical(params GUILayoutOption[] options) => throw new StubException();
        public static void EndVertical() => throw new StubException();
        public static void FlexibleSpace() => throw new StubException();
        public static GUILayoutOption Width(float width) => throw new StubException();
        public static GUILayoutOption Height(float height) => throw new StubException();
    }

    public class GUI
    {
        public static bool enabled { get => throw new StubException(); set => throw new StubException(); }
    }
}
