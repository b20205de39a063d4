using System;
using System.IO;

namespace InstantIdAvatars.Pipeline
{
    /// <summary>Resolves a configured file or folder path: absolute as it is, relative under StreamingAssets.</summary>
    public static class StreamingAssetsLocation
    {
        /// <summary>
        /// Resolves <paramref name="configured"/> to an absolute path. A rooted path is used as it is; a relative one
        /// is taken under <paramref name="streamingAssetsPath"/> (Unity's Application.streamingAssetsPath).
        /// <paramref name="what"/> names the setting in error messages ("model set", "face photo").
        /// </summary>
        public static string Resolve(string? configured, string streamingAssetsPath, string what = "model set")
        {
            if (string.IsNullOrWhiteSpace(configured))
                throw new InstantIdException($"No {what} path is set: give a path relative to StreamingAssets or an absolute path.");
            var path = configured!.Trim();
            if (Path.IsPathRooted(path)) return Path.GetFullPath(path);
            if (string.IsNullOrEmpty(streamingAssetsPath))
                throw new InstantIdException($"The {what} path '{path}' is relative but there is no StreamingAssets folder: use an absolute path.");
            // Android and WebGL keep StreamingAssets inside the app archive or on a server; ONNX Runtime needs real files.
            if (streamingAssetsPath.Contains("://"))
                throw new InstantIdException($"StreamingAssets is not a folder on this platform ({streamingAssetsPath}), so the {what} "
                                             + $"'{path}' cannot be read from it: copy it to Application.persistentDataPath and use that absolute path.");
            return Path.GetFullPath(Path.Combine(streamingAssetsPath, path));
        }
    }
}
