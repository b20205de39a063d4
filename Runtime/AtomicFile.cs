using System;
using System.IO;

namespace InstantIdAvatars
{
    /// <summary>
    /// Writes files so that a crash or a full disk never leaves a half-written file: the bytes go to a temporary
    /// file beside the target, are flushed to disk, and only then replace the target in one rename.
    /// </summary>
    public static class AtomicFile
    {
        public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes, 0, bytes.Length));

        public static void Write(string path, Action<Stream> write)
        {
            if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("A file path is needed.", nameof(path));
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            var temp = full + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp";
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536))
                {
                    write(stream);
                    stream.Flush(true);
                }
                if (File.Exists(full)) File.Replace(temp, full, null);
                else
                {
                    try { File.Move(temp, full); }
                    // another writer created the file between the check and the move: replace it like any later save
                    catch (IOException) when (File.Exists(full)) { File.Replace(temp, full, null); }
                }
            }
            catch
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { }
                throw;
            }
        }
    }
}
