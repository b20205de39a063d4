// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;
using UnityStubs;

namespace UnityEngine
{
    public static class Debug
    {
        public static void Log(object message) => throw new StubException();
        public static void Log(object message, Object context) => throw new StubException();
        public static void LogWarning(object message) => throw new StubException();
        public static void LogWarning(object message, Object context) => throw new StubException();
        public static void LogError(object message) => throw new StubException();
        public static void LogException(Exception exception) => throw new StubException();
        public static void LogException(Exception exception, Object context) => throw new StubException();
    }

    public static class Application
    {
        public static string streamingAssetsPath => throw new StubException();
        public static string persistentDataPath => throw new StubException();
        public static string dataPath => throw new StubException();
        public static bool isEditor => throw new StubException();
    }
}
