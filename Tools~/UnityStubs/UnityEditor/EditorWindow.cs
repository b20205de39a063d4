// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityEngine;
using UnityStubs;

namespace UnityEditor
{
    public class EditorWindow : ScriptableObject
    {
        public static T GetWindow<T>(string title) where T : EditorWindow => throw new StubException();
        public void Repaint() => throw new StubException();
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class MenuItem : Attribute
    {
        public MenuItem(string itemName) => throw new StubException();
    }

    public sealed class EditorGUI
    {
        public static void ProgressBar(Rect position, float value, string text) => throw new StubException();

        public static void BeginChangeCheck() => throw new StubException();
        public static bool EndChangeCheck() => throw new StubException();
    }

    public sealed class EditorUtility
    {
        public static string OpenFilePanel(string title, string directory, string extension) => throw new StubException();
        public static string OpenFolderPanel(string title, string folder, string defaultName) => throw new StubException();
        public static bool DisplayDialog(string title, string message, string ok) => throw new StubException();
        public static void RevealInFinder(string path) => throw new StubException();

        public static bool DisplayCancelableProgressBar(string title, string info, float progress) => throw new StubException();
        public static void ClearProgressBar() => throw new StubException();
        public static void SetDirty(UnityEngine.Object target) => throw new StubException();
    }

    public sealed class AssetDatabase
    {
        public static void Refresh() => throw new StubException();

        public static string[] FindAssets(string filter) => throw new StubException();
        public static string GUIDToAssetPath(string guid) => throw new StubException();
        public static T LoadAssetAtPath<T>(string assetPath) where T : UnityEngine.Object => throw new StubException();
        public static string GetAssetPath(UnityEngine.Object assetObject) => throw new StubException();
        public static string GenerateUniqueAssetPath(string path) => throw new StubException();
        public static void CreateAsset(UnityEngine.Object asset, string path) => throw new StubException();
        public static void SaveAssets() => throw new StubException();
    }

    public sealed class EditorPrefs
    {
        public static string GetString(string key, string defaultValue) => throw new StubException();
        public static void SetString(string key, string value) => throw new StubException();
    }
}
