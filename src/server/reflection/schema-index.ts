// What server reflection answers from: the files that declare the served
// services, every file they import (well-known types, google/api...), and an
// index from each fully-qualified symbol to its file. Built from the
// generated descriptors, so the answer follows the contract with no list to
// keep by hand.
import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

export class SchemaIndex {
  /** Files by their path name ("auth/v1/auth_service.proto"), dependencies first. */
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();
  private readonly extensions: DescExtension[] = [];
  private readonly serialized = new Map<DescFile, Uint8Array>();
  /** Fully-qualified names of the served services, in the order given. */
  readonly serviceNames: readonly string[];

  /**
   * @param services the services the server serves (what list_services names)
   * @param extraFiles files to describe although no service imports them,
   *   such as the error detail types that responses carry
   */
  constructor(services: readonly DescService[], extraFiles: readonly DescFile[] = []) {
    this.serviceNames = services.map((s) => s.typeName);
    for (const service of services) this.add(service.file);
    for (const file of extraFiles) this.add(file);
  }

  fileByName(name: string): DescFile | undefined {
    return this.files.get(name);
  }

  /** The file declaring a service, method, message, field, oneof, enum, enum value or extension. */
  fileContainingSymbol(name: string): DescFile | undefined {
    return this.symbols.get(name.startsWith(".") ? name.slice(1) : name);
  }

  fileContainingExtension(extendee: string, number: number): DescFile | undefined {
    return this.extensions.find((e) => e.extendee.typeName === extendee && e.number === number)?.file;
  }

  /** Field numbers of the known extensions of a message type; undefined for an unknown type. */
  extensionNumbersOf(extendee: string): number[] | undefined {
    if (!this.isMessage(extendee)) return undefined;
    return this.extensions.filter((e) => e.extendee.typeName === extendee).map((e) => e.number);
  }

  /** The serialized FileDescriptorProto of `file` and of every file it imports, directly or not. */
  withDependencies(file: DescFile): Uint8Array[] {
    const out: DescFile[] = [];
    const visit = (f: DescFile) => {
      if (out.includes(f)) return;
      out.push(f);
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out.map((f) => this.bytesOf(f));
  }

  private bytesOf(file: DescFile): Uint8Array {
    let bytes = this.serialized.get(file);
    if (bytes === undefined) {
      // Custom options (google.api.http...) ride along as unknown fields and are written back.
      bytes = toBinary(FileDescriptorProtoSchema, file.proto);
      this.serialized.set(file, bytes);
    }
    return bytes;
  }

  private isMessage(typeName: string): boolean {
    const file = this.symbols.get(typeName);
    const find = (messages: readonly DescMessage[]): boolean =>
      messages.some((m) => m.typeName === typeName || find(m.nestedMessages));
    return file !== undefined && find(file.messages);
  }

  private add(file: DescFile): void {
    const name = file.proto.name;
    if (this.files.has(name)) return;
    file.dependencies.forEach((d) => this.add(d));
    this.files.set(name, file);
    const symbol = (fullName: string) => this.symbols.set(fullName, file);
    const addEnum = (e: DescEnum) => {
      symbol(e.typeName);
      // Enum values are scoped like their enum's siblings (C++ scoping rules).
      const scope = e.typeName.slice(0, e.typeName.length - e.name.length);
      for (const value of e.values) symbol(scope + value.name);
    };
    const addExtension = (x: DescExtension) => {
      symbol(x.typeName);
      this.extensions.push(x);
    };
    const addMessage = (m: DescMessage) => {
      symbol(m.typeName);
      for (const field of m.fields) symbol(`${m.typeName}.${field.name}`);
      for (const oneof of m.oneofs) symbol(`${m.typeName}.${oneof.name}`);
      m.nestedEnums.forEach(addEnum);
      m.nestedMessages.forEach(addMessage);
      m.nestedExtensions.forEach(addExtension);
    };
    file.enums.forEach(addEnum);
    file.messages.forEach(addMessage);
    file.extensions.forEach(addExtension);
    for (const service of file.services) {
      symbol(service.typeName);
      for (const method of service.methods) symbol(`${service.typeName}.${method.name}`);
    }
  }
}
