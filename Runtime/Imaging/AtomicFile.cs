using System;
using System.IO;

namespace InstantIdAvatars.Imaging
{
    /// <summary>
    /// Writes a file so readers never see it half written: the bytes go to a temporary file in the same folder,
    /// which then replaces the target by rename.
    /// </summary>
    internal static class AtomicFile
    {
        public static void WriteAllBytes(string path, byte[] bytes)
        {
            var full = Path.GetFullPath(path);
            var folder = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder))
                Directory.CreateDirectory(folder);
            // Same folder, so the final rename never crosses file systems.
            var temp = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes, 0, bytes.Length);
                    stream.Flush(true);
                }
                if (File.Exists(full))
                    File.Replace(temp, full, null);
                else
                    File.Move(temp, full);
            }
            catch
            {
                try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                throw;
            }
        }
    }
}
