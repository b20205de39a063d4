// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityStubs;

namespace UnityEngine
{
    public struct Color
    {
        public float r;
        public float g;
        public float b;
        public float a;

        public Color(float r, float g, float b, float a) => throw new StubException();
    }

    public sealed class Sprite : Object
    {
    }

    public enum TextAnchor
    {
        UpperLeft,
        UpperCenter,
        UpperRight,
        MiddleLeft,
        MiddleCenter,
        MiddleRight,
        LowerLeft,
        LowerCenter,
        LowerRight,
    }

    public enum RenderMode
    {
        ScreenSpaceOverlay,
        ScreenSpaceCamera,
        WorldSpace,
    }

    public sealed class Canvas : Behaviour
    {
        public RenderMode renderMode { get => throw new StubException(); set => throw new StubException(); }
    }

    public sealed class RectTransform : Transform
    {
        public Vector2 anchorMin { get => throw new StubException(); set => throw new StubException(); }
        public Vector2 anchorMax { get => throw new StubException(); set => throw new StubException(); }
        public Vector2 offsetMin { get => throw new StubException(); set => throw new StubException(); }
        public Vector2 offsetMax { get => throw new StubException(); set => throw new StubException(); }
    }

    public enum HumanBodyBones
    {
        Hips = 0,
        Neck = 9,
        Head = 10,
        LeftEye = 21,
        RightEye = 22,
        Jaw = 23,
    }

    public class Animator : Behaviour
    {
        public bool isHuman => throw new StubException();
        public Transform GetBoneTransform(HumanBodyBones humanBoneId) => throw new StubException();
    }

    public sealed class Gizmos
    {
        public static Color color { get => throw new StubException(); set => throw new StubException(); }
        public static void DrawSphere(Vector3 center, float radius) => throw new StubException();
        public static void DrawLine(Vector3 from, Vector3 to) => throw new StubException();
    }

    public struct Mathf
    {
        public static int Clamp(int value, int min, int max) => throw new StubException();
        public static int Max(int a, int b) => throw new StubException();
    }

    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class ContextMenu : Attribute
    {
        public ContextMenu(string itemName) => throw new StubException();
    }

    [AttributeUsage(AttributeTargets.Field, Inherited = true, AllowMultiple = false)]
    public sealed class HideInInspector : Attribute
    {
    }
}
