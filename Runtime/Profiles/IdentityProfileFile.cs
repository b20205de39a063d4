using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using MessagePack;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace InstantIdAvatars.Profiles
{
    /// <summary>
    /// Saves and loads identity profiles as MessagePack. The file is an envelope
    /// <c>["instantid-profile", version, payload (bin), sha256(payload) (bin)]</c>; the payload is a map read field
    /// by field with MessagePackReader/Writer only — no resolver, so no dynamic code (IL2CPP-safe) and no type
    /// the file could ask for. Profiles are untrusted input: the size is capped before reading, every length is
    /// checked before allocating, nesting is limited, and the checksum rejects truncated or edited files.
    /// Saves are atomic (temp file + rename).
    /// </summary>
    public static class IdentityProfileFile
    {
        public const string Magic = "instantid-profile";
        public const int CurrentVersion = 1;
        public const string Extension = ".iidprofile";
        public const long MaxFileBytes = 4 * 1024 * 1024;
        public const int MaxPhotos = 64;
        public const int MaxThumbnailBytes = 256 * 1024;
        const int MaxStringBytes = 4096;
        const int MaxSkipDepth = 16;

        public static byte[] Serialize(IdentityProfile profile)
        {
            if (profile == null) throw new ArgumentNullException(nameof(profile));
            profile.Validate();
            var payload = WritePayload(profile);
            var buffer = new ArrayBufferWriter<byte>();
            var w = new MessagePackWriter(buffer);
            w.WriteArrayHeader(4);
            w.Write(Magic);
            w.Write(CurrentVersion);
            w.Write(payload);
            using (var sha = SHA256.Create()) w.Write(sha.ComputeHash(payload));
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }

        public static void Save(IdentityProfile profile, string path) => AtomicFile.WriteAllBytes(path, Serialize(profile));

        public static IdentityProfile Load(string path)
        {
            FileInfo info;
            try { info = new FileInfo(path); }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            { throw new ProfileFormatException($"'{path}' is not a valid path", e); }
            if (!info.Exists) throw new ProfileFormatException($"'{path}' does not exist");
            if (info.Length > MaxFileBytes) throw new ProfileFormatException($"'{path}' is {info.Length} bytes; profiles are at most {MaxFileBytes} bytes");
            byte[] bytes;
            // Another process (or a save on Windows) can hold the file, or it can vanish after the check above.
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            { throw new ProfileFormatException($"'{path}' cannot be read ({e.Message})", e); }
            return Deserialize(bytes);
        }

        public static IdentityProfile Deserialize(byte[] bytes)
        {
            if (bytes == null) throw new ArgumentNullException(nameof(bytes));
            if (bytes.Length == 0) throw new ProfileFormatException("the file is empty");
            if (bytes.Length > MaxFileBytes) throw new ProfileFormatException($"the data is {bytes.Length} bytes; profiles are at most {MaxFileBytes} bytes");
            try
            {
                var r = new MessagePackReader(bytes);
                if (r.NextMessagePackType != MessagePackType.Array || r.ReadArrayHeader() != 4)
                    throw new ProfileFormatException("this is not an identity profile (wrong header)");
                if (r.NextMessagePackType != MessagePackType.String || ReadString(ref r) != Magic)
                    throw new ProfileFormatException("this is not an identity profile (wrong header)");
                var version = r.ReadInt32();
                if (version > CurrentVersion)
                    throw new ProfileFormatException($"it was saved by a newer version (format {version}; this package reads up to {CurrentVersion}): update the package");
                if (version < 1) throw new ProfileFormatException($"format version {version} is invalid");
                var payload = ReadBytes(ref r, (int)MaxFileBytes);
                var hash = ReadBytes(ref r, 32);
                using (var sha = SHA256.Create())
                    if (!CryptographicEqual(sha.ComputeHash(payload), hash))
                        throw new ProfileFormatException("the checksum does not match: the file was changed or damaged; create the profile again");
                var profile = ReadPayload(payload);
                profile.Validate();
                return profile;
            }
            catch (ProfileFormatException) { throw; }
            catch (Exception e) when (e is MessagePackSerializationException || e is EndOfStreamException || e is OverflowException
                                      || e is InvalidOperationException || e is ArgumentException)
            {
                throw new ProfileFormatException("the file is damaged or truncated (" + e.Message + ")", e);
            }
        }

        /// <summary>Human-readable JSON of the profile (no embeddings' values, which are not for humans).</summary>
        public static string ToJson(IdentityProfile profile)
        {
            var o = new JObject
            {
                ["name"] = profile.Name,
                ["created_utc"] = profile.CreatedUtc.ToString("o"),
                ["photos"] = profile.Embeddings.Count,
                ["embedding_norms"] = new JArray(profile.Embeddings.ConvertAll(e => (object)Norm(e)).ToArray()),
                ["keypoints"] = new JArray(profile.Keypoints.ConvertAll(k => (object)new JArray(k)).ToArray()),
                ["sources"] = JArray.FromObject(profile.Sources),
                ["thumbnail_bytes"] = profile.Thumbnail.Length,
                ["notes"] = profile.Notes,
                ["format_version"] = CurrentVersion,
            };
            return o.ToString(Formatting.Indented);
        }

        static float Norm(float[] e)
        {
            double s = 0;
            foreach (var v in e) s += (double)v * v;
            return (float)Math.Sqrt(s);
        }

        static byte[] WritePayload(IdentityProfile p)
        {
            var buffer = new ArrayBufferWriter<byte>();
            var w = new MessagePackWriter(buffer);
            w.WriteMapHeader(7);
            w.Write("name"); w.Write(p.Name ?? "");
            w.Write("created_utc"); w.Write(p.CreatedUtc.ToUniversalTime().Ticks);
            w.Write("embeddings"); WriteFloatArrays(ref w, p.Embeddings);
            w.Write("keypoints"); WriteFloatArrays(ref w, p.Keypoints);
            w.Write("sources");
            w.WriteArrayHeader(p.Sources.Count);
            foreach (var s in p.Sources)
            {
                w.WriteMapHeader(6);
                w.Write("label"); w.Write(s.Label ?? "");
                w.Write("width"); w.Write(s.ImageWidth);
                w.Write("height"); w.Write(s.ImageHeight);
                w.Write("score"); w.Write(s.DetectionScore);
                w.Write("faces"); w.Write(s.FacesFound);
                w.Write("similarity"); w.Write(s.SimilarityToMean);
            }
            w.Write("thumbnail"); w.Write(p.Thumbnail ?? Array.Empty<byte>());
            w.Write("notes"); w.Write(p.Notes ?? "");
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }

        // float arrays as little-endian float32 bytes: compact, and one length check guards the allocation
        static void WriteFloatArrays(ref MessagePackWriter w, List<float[]> arrays)
        {
            w.WriteArrayHeader(arrays.Count);
            foreach (var a in arrays)
            {
                var bytes = new byte[a.Length * 4];
                Buffer.BlockCopy(a, 0, bytes, 0, bytes.Length);
                if (!BitConverter.IsLittleEndian) SwapEndian(bytes);
                w.Write(bytes);
            }
        }

        static IdentityProfile ReadPayload(byte[] payload)
        {
            var p = new IdentityProfile();
            var r = new MessagePackReader(payload);
            int fields = r.ReadMapHeader();
            for (int f = 0; f < fields; f++)
            {
                var key = ReadString(ref r);
                switch (key)
                {
                    case "name": p.Name = ReadString(ref r); break;
                    case "created_utc":
                        var ticks = r.ReadInt64();
                        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new ProfileFormatException("the creation time is out of range");
                        p.CreatedUtc = new DateTime(ticks, DateTimeKind.Utc);
                        break;
                    case "embeddings": p.Embeddings = ReadFloatArrays(ref r, IdentityProfile.EmbeddingLength); break;
                    case "keypoints": p.Keypoints = ReadFloatArrays(ref r, 10); break;
                    case "sources":
                        int n = ReadCount(ref r, r.ReadArrayHeader(), MaxPhotos, "sources");
                        for (int i = 0; i < n; i++) p.Sources.Add(ReadSource(ref r));
                        break;
                    case "thumbnail": p.Thumbnail = ReadBytes(ref r, MaxThumbnailBytes); break;
                    case "notes": p.Notes = ReadString(ref r); break;
                    default: Skip(ref r, 0); break; // a field from a newer minor version
                }
            }
            if (!r.End) throw new ProfileFormatException("there is unexpected data after the profile");
            return p;
        }

        static ProfileSource ReadSource(ref MessagePackReader r)
        {
            var s = new ProfileSource();
            int fields = r.ReadMapHeader();
            for (int f = 0; f < fields; f++)
            {
                switch (ReadString(ref r))
                {
                    case "label": s.Label = ReadString(ref r); break;
                    case "width": s.ImageWidth = r.ReadInt32(); break;
                    case "height": s.ImageHeight = r.ReadInt32(); break;
                    case "score": s.DetectionScore = r.ReadSingle(); break;
                    case "faces": s.FacesFound = r.ReadInt32(); break;
                    case "similarity": s.SimilarityToMean = r.ReadSingle(); break;
                    default: Skip(ref r, 0); break;
                }
            }
            return s;
        }

        static List<float[]> ReadFloatArrays(ref MessagePackReader r, int length)
        {
            int n = ReadCount(ref r, r.ReadArrayHeader(), MaxPhotos, "embeddings/keypoints");
            var list = new List<float[]>(n);
            for (int i = 0; i < n; i++)
            {
                var bytes = ReadBytes(ref r, length * 4);
                if (bytes.Length != length * 4) throw new ProfileFormatException($"an array has {bytes.Length / 4} values, expected {length}");
                if (!BitConverter.IsLittleEndian) SwapEndian(bytes);
                var a = new float[length];
                Buffer.BlockCopy(bytes, 0, a, 0, bytes.Length);
                list.Add(a);
            }
            return list;
        }

        static int ReadCount(ref MessagePackReader r, int count, int max, string what)
        {
            if (count < 0 || count > max) throw new ProfileFormatException($"{what} has {count} entries; at most {max} are allowed");
            return count;
        }

        static string ReadString(ref MessagePackReader r)
        {
            if (r.NextMessagePackType == MessagePackType.Nil) { r.ReadNil(); return ""; }
            if (r.NextMessagePackType != MessagePackType.String) throw new ProfileFormatException($"expected text, found {r.NextMessagePackType}");
            var seq = r.ReadStringSequence();
            if (seq == null) return "";
            if (seq.Value.Length > MaxStringBytes) throw new ProfileFormatException($"a text field is {seq.Value.Length} bytes; at most {MaxStringBytes} are allowed");
            return Encoding.UTF8.GetString(seq.Value.ToArray());
        }

        // the length prefix is checked against the cap BEFORE anything is allocated
        static byte[] ReadBytes(ref MessagePackReader r, int max)
        {
            if (r.NextMessagePackType != MessagePackType.Binary) throw new ProfileFormatException($"expected binary data, found {r.NextMessagePackType}");
            var peek = r.CreatePeekReader();
            var seq = peek.ReadBytes();
            if (seq == null) { r.ReadNil(); return Array.Empty<byte>(); }
            if (seq.Value.Length > max) throw new ProfileFormatException($"a binary field is {seq.Value.Length} bytes; at most {max} are allowed");
            return r.ReadBytes()!.Value.ToArray();
        }

        // iterative-enough skip with a depth cap: hostile files nest arrays thousands deep
        static void Skip(ref MessagePackReader r, int depth)
        {
            if (depth > MaxSkipDepth) throw new ProfileFormatException($"the data nests deeper than {MaxSkipDepth} levels");
            switch (r.NextMessagePackType)
            {
                case MessagePackType.Array:
                    int n = r.ReadArrayHeader();
                    for (int i = 0; i < n; i++) Skip(ref r, depth + 1);
                    break;
                case MessagePackType.Map:
                    int m = r.ReadMapHeader();
                    for (int i = 0; i < m; i++) { Skip(ref r, depth + 1); Skip(ref r, depth + 1); }
                    break;
                default:
                    r.Skip();
                    break;
            }
        }

        static bool CryptographicEqual(byte[] a, byte[] b)
        {
            if (a.Length != b.Length) return false;
            int diff = 0;
            for (int i = 0; i < a.Length; i++) diff |= a[i] ^ b[i];
            return diff == 0;
        }

        static void SwapEndian(byte[] bytes)
        {
            for (int i = 0; i + 3 < bytes.Length; i += 4)
            {
                (bytes[i], bytes[i + 3]) = (bytes[i + 3], bytes[i]);
                (bytes[i + 1], bytes[i + 2]) = (bytes[i + 2], bytes[i + 1]);
            }
        }
    }
}
